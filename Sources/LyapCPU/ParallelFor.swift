import Dispatch

/// Runs body(0..<n) on up to n threads and returns when all are done.
func parallelFor(_ n: Int, _ body: @Sendable (Int) -> Void) {
    if n == 1 { body(0); return }
    DispatchQueue.concurrentPerform(iterations: n, execute: body)
}
