import FleetCore
import Logging

/// `fleetwatch probe` as a service: probes until cancelled. An unreachable edge or gateway is what the probe is there
/// to show, so a run that fails counts the probes in flight as lost (`ProbeRunner.abandonInFlight()`), tells
/// `onInterruption`, logs it and starts again with backoff (`RetryPolicy.keepRunning`).
public struct ContinuousProbe: Sendable {
    private let runner: ProbeRunner
    private let logger: Logger
    private let retry: RetryPolicy
    private let onInterruption: @Sendable () -> Void

    /// - Parameters:
    ///   - retry: the waits before starting again; by default at most 30 s.
    ///   - onInterruption: told of every failed run (`fleetwatch_probe_interruptions_total`).
    public init(
        runner: ProbeRunner, logger: Logger, retry: RetryPolicy = RetryPolicy(backoff: Backoff(cap: .seconds(30))),
        onInterruption: @escaping @Sendable () -> Void = {}
    ) {
        self.runner = runner
        self.logger = logger
        self.retry = retry
        self.onInterruption = onInterruption
    }

    /// Runs the prober again and again until the task is cancelled.
    public func run() async {
        let configuration = runner.configuration
        await retry.keepRunning({
            logger.info("probing", metadata: ["machine": "\(configuration.machineID)", "gateway": "\(configuration.gateway)"])
            _ = try await runner.run()
            return .again
        }, onFailure: { error, _, delay in
            runner.abandonInFlight()
            onInterruption()
            logger.warning("probing interrupted; starting again", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
        })
    }
}
