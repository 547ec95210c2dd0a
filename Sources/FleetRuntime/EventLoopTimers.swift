#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// Puts the Swift runtime's timers (`Task.sleep`, timeouts: jobs enqueued "with delay" or "with deadline") on NIO's
/// event loops. NIO's takeover of the global executor (`TaskThreads`) covers jobs enqueued now; the runtime still
/// hands delayed jobs to libdispatch, whose pool then runs the task's next slice on a worker of its own, and adds
/// a worker whenever one blocks. With these hooks a delayed job waits in an event loop's timer and is then enqueued
/// like any other job, so no Swift task runs on libdispatch.
///
/// The hooks are the runtime's (`swift_task_enqueueGlobalWithDelay_hook`, `…WithDeadline_hook`, declared in the
/// Swift runtime's Concurrency.h); their shape is checked by the unit test that sleeps with each clock.
enum EventLoopTimers {
    /// The hook for `swift_task_enqueueGlobalWithDelay` (`Task.sleep(nanoseconds:)`): a delay in nanoseconds.
    private typealias DelayHook = @convention(thin) (UInt64, UnownedJob, UnsafeRawPointer?) -> Void
    /// The hook for `swift_task_enqueueGlobalWithDeadline` (`Task.sleep(for:)`, `until:`): a deadline on `clock`
    /// (seconds, nanoseconds), its tolerance, and the clock's id.
    private typealias DeadlineHook = @convention(thin) (Int64, Int64, Int64, Int64, Int32, UnownedJob, UnsafeRawPointer?) -> Void

    /// Installs both hooks unless something else already did; true when both are ours.
    static func install() -> Bool {
        #if canImport(Glibc)
        let process = dlopen(nil, RTLD_NOW)
        guard let delaySlot = dlsym(process, "swift_task_enqueueGlobalWithDelay_hook"),
            let deadlineSlot = dlsym(process, "swift_task_enqueueGlobalWithDeadline_hook")
        else { return false }
        let delay: DelayHook = { nanoseconds, job, _ in
            schedule(job, in: Int64(clamping: nanoseconds))
        }
        let deadline: DeadlineHook = { seconds, nanoseconds, _, _, clock, job, _ in
            var nowSeconds: Int64 = 0
            var nowNanoseconds: Int64 = 0
            swiftGetTime(&nowSeconds, &nowNanoseconds, clock)
            let (wholeSeconds, overflow) = (seconds - nowSeconds).multipliedReportingOverflow(by: 1_000_000_000)
            schedule(job, in: overflow ? .max : wholeSeconds &+ (nanoseconds - nowNanoseconds))
        }
        let delayPointer = delaySlot.assumingMemoryBound(to: UnsafeRawPointer?.self)
        let deadlinePointer = deadlineSlot.assumingMemoryBound(to: UnsafeRawPointer?.self)
        guard delayPointer.pointee == nil, deadlinePointer.pointee == nil else { return false }
        delayPointer.pointee = unsafeBitCast(delay, to: UnsafeRawPointer.self)
        deadlinePointer.pointee = unsafeBitCast(deadline, to: UnsafeRawPointer.self)
        return true
        #else
        return false
        #endif
    }
}

/// After `nanoseconds` (now if not positive), hands `job` to the global executor: an event loop, once `TaskThreads`
/// installed NIO's takeover. (A free function: the hooks are thin closures, which cannot capture even a metatype.)
private func schedule(_ job: UnownedJob, in nanoseconds: Int64) {
    guard nanoseconds > 0 else {
        swiftEnqueueGlobal(job)
        return
    }
    MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) { swiftEnqueueGlobal(job) }
}

/// The runtime's clocks (1: continuous, 2: suspending), as `ContinuousClock.now` reads them.
@_silgen_name("swift_get_time")
private func swiftGetTime(_ seconds: UnsafeMutablePointer<Int64>, _ nanoseconds: UnsafeMutablePointer<Int64>, _ clock: Int32)

/// Enqueues `job` on the global executor, through its hook (NIO's, once installed).
@_silgen_name("swift_task_enqueueGlobal")
private func swiftEnqueueGlobal(_ job: UnownedJob)
