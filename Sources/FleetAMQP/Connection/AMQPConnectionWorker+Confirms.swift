import CRabbitMQ
import FleetBus

/// Publisher confirms: basic.ack / basic.nack settle the publishes they cover, and a publish call
/// resumes once every one of its messages is settled (or fails with the connection).
extension AMQPConnectionWorker {
    /// One publish(_:) call in flight.
    final class PublishJob {
        let messages: [OutgoingMessage]
        let continuation: CheckedContinuation<Void, any Error>
        let started: ContinuousClock.Instant
        var sent = 0
        var acked = 0
        var nacked = 0

        init(messages: [OutgoingMessage], continuation: CheckedContinuation<Void, any Error>) {
            self.messages = messages
            self.continuation = continuation
            self.started = .now
        }

        var isSettled: Bool { sent == messages.count && acked + nacked == messages.count }
    }

    func confirmed(tag: UInt64, multiple: Bool, acked: Bool) {
        var acks = 0
        var nacks = 0
        for settlement in confirms.settle(tag: tag, multiple: multiple, acked: acked) {
            guard let job = jobs[settlement.owner] else { continue }
            if settlement.acked {
                job.acked += 1
                acks += 1
            } else {
                job.nacked += 1
                nacks += 1
            }
            if job.isSettled { complete(settlement.owner, job) }
        }
        metrics.confirmed.increment(by: acks)
        if nacks > 0 { metrics.nacked.increment(by: nacks) }
    }

    func complete(_ id: Int, _ job: PublishJob) {
        jobs[id] = nil
        metrics.publishConfirmDuration.recordNanoseconds(Self.nanoseconds(.now - job.started))
        if job.nacked > 0 {
            job.continuation.resume(
                throwing: BusError.nacked("\(job.nacked) of \(job.messages.count) messages refused by the broker"))
        } else {
            job.continuation.resume()
        }
    }

    func failPublishes(_ error: (PublishJob) -> BusError) {
        _ = confirms.reset()
        let failed = jobs
        jobs = [:]
        unsentJobs = []
        for id in failed.keys.sorted() {
            let job = failed[id]!
            job.continuation.resume(throwing: error(job))
        }
    }
}
