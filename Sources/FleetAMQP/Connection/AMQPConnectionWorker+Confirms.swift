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
        if nacks > 0 {
            metrics.nacked.increment(by: nacks)
            publishChannelRefused = true
        }
    }

    /// After a nack, closes and reopens the publish channel once none of its publishes awaits a confirm, and
    /// returns whether publishing may go on now. A channel keeps the quorum queue leaders it knew: one that
    /// published while a leader's node was dying (a cluster failover) went on being refused long after the
    /// new leader was elected (over 8 s with RabbitMQ 3.10, tests/system/test_rabbitmq_cluster.py), while a
    /// new channel finds the new leaders at once.
    func reopenPublishChannelIfRefused() -> Bool {
        guard publishChannelRefused else { return true }
        guard confirms.outstanding == 0, let state else { return false }
        publishChannelRefused = false
        let closed = amqp_channel_close(state, Self.publishChannel, AMQP_REPLY_SUCCESS)
        openChannels.remove(Self.publishChannel)
        guard closed.reply_type == AMQP_RESPONSE_NORMAL else {
            connectionLost("closing the publish channel after a nack: \(Self.describe(closed))")
            return false
        }
        do {
            try ensureChannel(Self.publishChannel)
        } catch {
            logger.warning("reopening the publish channel after a nack failed: \(error)")
            failPublishes { _ in .unavailable("publish channel not reopened after a nack: \(error)") }
            return false
        }
        logger.info("publish channel reopened after the broker refused publishes")
        return true
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
