import COpenBLAS
import Foundation
import Synchronization

/// A fixed team of threads for the wide path, which needs two parallel regions per time step (a
/// thousand per training step). Waking threads through Dispatch costs tens of microseconds a region;
/// team members spin briefly on a generation counter instead and only sleep after a quiet spell, so a
/// region costs about a microsecond while work is flowing and nothing while the model is idle.
final class ThreadTeam: @unchecked Sendable {
    let size: Int
    private let shared: Shared

    init(size: Int) {
        self.size = max(1, size)
        shared = Shared()
        for member in 1..<self.size {
            let s = shared
            let t = Thread { s.work(member) }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    deinit { shared.stop() }

    /// Runs body(k) for k in 0..<size, member k on its own thread (the caller is member 0), and returns
    /// when all are done.
    func run(_ body: @escaping @Sendable (Int) -> Void) {
        if size == 1 { body(0); return }
        shared.post(body)
        body(0)
        shared.waitFor(size - 1)
    }

    /// State the member threads hold on to; it outlives the team until they have all left.
    private final class Shared: @unchecked Sendable {
        private let generation = Atomic<Int>(0)
        private let finished = Atomic<Int>(0)
        private let stopping = Atomic<Bool>(false)
        private let sleep = NSCondition()
        private var job: (@Sendable (Int) -> Void)?

        func post(_ body: @escaping @Sendable (Int) -> Void) {
            job = body
            finished.store(0, ordering: .relaxed)
            sleep.lock()
            generation.add(1, ordering: .releasing)
            sleep.broadcast()
            sleep.unlock()
        }

        func waitFor(_ n: Int) {
            while finished.load(ordering: .acquiring) < n { lyap_spin_pause() }
            job = nil
        }

        func stop() {
            stopping.store(true, ordering: .releasing)
            sleep.lock()
            generation.add(1, ordering: .releasing)
            sleep.broadcast()
            sleep.unlock()
        }

        func work(_ member: Int) {
            var seen = 0
            while true {
                var spins = 0
                while generation.load(ordering: .acquiring) == seen {
                    spins += 1
                    if spins < 100_000 { lyap_spin_pause(); continue }
                    sleep.lock()
                    while generation.load(ordering: .acquiring) == seen { sleep.wait() }
                    sleep.unlock()
                }
                seen = generation.load(ordering: .acquiring)
                if stopping.load(ordering: .acquiring) { return }
                job?(member)
                finished.add(1, ordering: .releasing)
            }
        }
    }
}
