import FleetCore
import FleetProto
import Testing

/// Every identity field is bounded at the edge (a 1 MB hostname used to be stored and served on every listing).
@Suite struct IdentityValidationTests {
    let now = NormalizerTests.now

    func refusal(_ mutate: (inout Fleetwatch_V1_MachineIdentity) -> Void) -> ValidationError? {
        var batch = NormalizerTests.batch([NormalizerTests.reading(ProcReading.loadavg1, 1)])
        mutate(&batch.identity)
        do {
            try batch.validate(nowMs: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func refusesAMegabyteHostnameNamingFieldAndLimit() {
        let error = refusal { $0.hostname = String(repeating: "h", count: 1 << 20) }
        #expect(error?.description == "identity.hostname: 1048576 bytes, at most 253")
    }

    @Test func boundsEveryStringField() {
        let limits = BatchLimits.standard
        let fields: [(String, Int, WritableKeyPath<Fleetwatch_V1_MachineIdentity, String>)] = [
            ("identity.hostname", limits.maxHostnameLength, \.hostname),
            ("identity.os", limits.maxOSLength, \.os),
            ("identity.kernel", limits.maxKernelLength, \.kernel),
            ("identity.agent_version", limits.maxAgentVersionLength, \.agentVersion),
        ]
        for (field, limit, path) in fields {
            #expect(refusal { $0[keyPath: path] = String(repeating: "x", count: limit) } == nil, "\(field) at its limit")
            let error = refusal { $0[keyPath: path] = String(repeating: "x", count: limit + 1) }
            #expect(error == ValidationError(field, "\(limit + 1) bytes, at most \(limit)"))
        }
        // Bytes, not characters: 127 two-byte characters are 254 bytes.
        #expect(refusal { $0.hostname = String(repeating: "é", count: 127) }?.field == "identity.hostname")
        // A 900 KB os, as in the report.
        #expect(refusal { $0.os = String(repeating: "o", count: 900_000) }?.field == "identity.os")
    }

    @Test func boundsCPUCores() {
        #expect(refusal { $0.cpuCores = -1 } == ValidationError("identity.cpu_cores", "-1 is outside 0-65536"))
        #expect(refusal { $0.cpuCores = 65_537 }?.field == "identity.cpu_cores")
        #expect(refusal { $0.cpuCores = 0 } == nil)
        #expect(refusal { $0.cpuCores = 256 } == nil)
    }

    @Test func boundsLabelCountNamesAndValues() {
        let count = refusal { $0.labels = Dictionary(uniqueKeysWithValues: (0..<33).map { ("l\($0)", "v") }) }
        #expect(count == ValidationError("identity.labels", "33 labels, at most 32"))
        #expect(refusal { $0.labels = Dictionary(uniqueKeysWithValues: (0..<32).map { ("l\($0)", "v") }) } == nil)
        let name = refusal { $0.labels = [String(repeating: "k", count: 65): "v"] }
        #expect(name?.field == "identity.labels")
        #expect(name?.reason.contains("must be 1-64 bytes") == true)
        #expect(refusal { $0.labels = ["": "v"] }?.field == "identity.labels")
        let value = refusal { $0.labels = ["env": String(repeating: "v", count: 257)] }
        #expect(value == ValidationError("identity.labels", "label 'env' value is longer than 256 bytes"))
        #expect(refusal { $0.labels = ["env": String(repeating: "v", count: 256)] } == nil)
    }

    @Test func boundsTheIdentityMachineID() {
        let long = String(repeating: "m", count: 129)
        #expect(refusal { $0.machineID = long }?.field == "identity.machine_id")
    }
}
