/// Turns a transport's words for a TLS mismatch into advice naming the settings: a plaintext client whose
/// connection the server closes before the HTTP/2 preface is, almost always, talking to a server that serves TLS;
/// a failed verification means the server's certificate is not one FLEETWATCH_TLS_CA vouches for.
public enum TLSMismatchHint {
    /// `reason` with the advice appended when it describes a mismatch; `urlSetting` names the URL to change.
    public static func annotate(_ reason: String, usesTLS: Bool, urlSetting: String) -> String {
        if usesTLS, reason.contains("CERTIFICATE_VERIFY_FAILED") {
            return reason
                + " (the server's certificate does not chain to FLEETWATCH_TLS_CA or does not name the host of \(urlSetting))"
        }
        if !usesTLS, reason.contains("before completing the HTTP/2 connection preface") {
            return reason + " (does the server use TLS? then give \(urlSetting) as https:// and set FLEETWATCH_TLS_CA)"
        }
        return reason
    }
}
