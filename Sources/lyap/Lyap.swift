import ArgumentParser
import Foundation

@main
struct Lyap: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyap",
        abstract: "A lab for the training dynamics of recurrent networks (LSTM sentiment classifier on IMDb).",
        discussion: """
            The whole multiple-descent study on the embedded IMDb subset (train with the stability analysis,
            cycles, transitions, report):
              lyap study --out runs/study --epochs 40 --analyze-every 4 --reviews 100
            Train the paper's model (Embedding 32 -> LSTM 60 -> Dense 1), continue it later, evaluate it:
              lyap train --out runs/demo --epochs 5
              lyap train --out runs/demo --resume --epochs 20
              lyap eval --checkpoint runs/demo/checkpoints/epoch-0020.safetensors
            Analyse its dynamics and write the report:
              lyap analyze --checkpoint runs/demo --json runs/demo/dynamics.json
              lyap report runs/demo --dynamics runs/demo/dynamics.json
            Where it computes: lyap devices; --backend auto|cpu|vulkan on every command that computes.
            """,
        version: "lyap 0.1.0",
        subcommands: [TrainCommand.self, EvalCommand.self, DevicesCommand.self, AnalyzeCommand.self, TanhMapCommand.self,
                      CyclesCommand.self, StagesCommand.self, MetaStatesCommand.self, ReportCommand.self, StudyCommand.self, AuditCommand.self,
                      SweepCommand.self, MergeCommand.self])
}

extension Lyap {
    /// Like ArgumentParser's main, but a bad command line gives one line on stderr (plus a pointer to
    /// --help) instead of the usage block, matching every other error lyap reports.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as ExitCode {
            exit(withError: e)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // --help, --version
            let first = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            printErr("lyap: error: \(first) (see lyap --help)")
            Foundation.exit(exitCode(for: error).rawValue)
        }
    }
}
