import Foundation
import LyapTraining

/// On a terminal: one self-rewriting line with epoch, batch, running loss and ETA.
/// Otherwise (logs, CI): a plain line at most every 30 s, plus one line per finished epoch.
final class ProgressDisplay {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast
    private var lastPlain = Date()
    private var drawn = false
    /// Put before every line (e.g. "configuration 3/12 ").
    var prefix = ""

    func update(_ p: TrainingProgress) {
        let now = Date()
        if isTerminal {
            guard now.timeIntervalSince(lastDraw) > 0.1 || p.batch == p.batches else { return }
            lastDraw = now
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line(p))".utf8))
            drawn = true
        } else if now.timeIntervalSince(lastPlain) >= 30 {
            lastPlain = now
            say("lyap: \(line(p))")
        }
    }

    func epochDone(_ r: MetricsLog.Row, of epochs: Int) {
        clear()
        let text = String(format: "epoch %d/%d  train loss %.4f acc %.4f  test loss %.4f acc %.4f  %.1f s",
                          r.epoch, epochs, r.trainLoss, r.trainAcc, r.testLoss, r.testAcc, r.seconds)
        say(text)
    }

    func finish() { clear() }

    private func clear() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); drawn = false }
    }

    private func line(_ p: TrainingProgress) -> String {
        let done = Double((p.epoch - p.firstEpoch - 1) * p.batches + p.batch)
        let total = Double((p.epochs - p.firstEpoch) * p.batches)
        let eta = done > 0 ? p.elapsed / done * (total - done) : 0
        return prefix + String(format: "epoch %d/%d  batch %d/%d  loss %.4f  ETA %@", p.epoch, p.epochs, p.batch, p.batches,
                      p.runningLoss, Self.duration(eta))
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
