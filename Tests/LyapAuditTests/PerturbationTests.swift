import LyapCore
import Testing
@testable import LyapAudit

/// `--perturb KIND:SIZE`: every kind parses to its value and prints back as given; bad sizes get one line
/// naming the spec and what is wrong.
struct PerturbationTests {
    @Test(arguments: [
        ("none", Perturbation.none), ("param:1e-05", .param(1e-5)), ("param-tensor:0.25", .paramTensor(0.25)),
        ("lr:2.5", .lr(2.5)), ("order:7", .order(7)), ("swap:3", .swap(3)), ("labels:0.1", .labels(0.1)),
        ("adam-reset", .adamReset), ("batch:16", .batch(16)), ("grad-noise:0.0", .gradNoise(0)),
        ("loss-scale:-0.5", .lossScale(-0.5)),
    ])
    func parsesEveryKindAndPrintsItBack(spec: String, expected: Perturbation) throws {
        let p = try Perturbation.parse(spec)
        #expect(p == expected)
        #expect(p.description == spec)
        #expect(try Perturbation.parse(p.description) == p)
    }

    @Test func sizeZeroIsAcceptedWhereTheKindTakesNone() throws {
        #expect(try Perturbation.parse("none:0") == .none)
        #expect(try Perturbation.parse("adam-reset:") == .adamReset)
    }

    @Test(arguments: [
        ("param", "--perturb param: param needs a size (param:SIZE)"),
        ("param:abc", "--perturb param:abc: size 'abc' is not a number"),
        ("param:0", "--perturb param:0: EPS must be > 0"),
        ("param:inf", "--perturb param:inf: size 'inf' is not a number"),
        ("lr:-1", "--perturb lr:-1: FACTOR must be > 0"),
        ("order:-3", "--perturb order:-3: order needs a non-negative integer seed (order:SEED)"),
        ("swap:-1", "--perturb swap:-1: swap needs a non-negative integer batch index (swap:K)"),
        ("labels:1.5", "--perturb labels:1.5: FRAC must be in (0, 1]"),
        ("batch:0", "--perturb batch:0: batch needs a positive integer size (batch:SIZE)"),
        ("grad-noise:-0.1", "--perturb grad-noise:-0.1: EPS must be >= 0"),
        ("loss-scale:-1", "--perturb loss-scale:-1: EPS must be > -1 (the loss is multiplied by 1+EPS)"),
        ("adam-reset:2", "--perturb adam-reset:2: adam-reset takes no size"),
        ("jitter:1", "--perturb jitter:1: unknown kind 'jitter' (kinds: \(Perturbation.kinds))"),
    ])
    func badSpecsSayWhatIsWrong(spec: String, message: String) {
        #expect { try Perturbation.parse(spec) } throws: { "\($0)" == message }
    }

    @Test func onlyBatchIsRefusedOnVulkan() throws {
        let all = try ["none", "param:1", "param-tensor:1", "lr:2", "order:1", "swap:0", "labels:0.5", "adam-reset",
                       "grad-noise:1", "loss-scale:1"].map(Perturbation.parse)
        #expect(all.allSatisfy { $0.vulkanLimitation == nil })
        #expect(Perturbation.batch(8).vulkanLimitation?.hasPrefix("--perturb batch:8 runs on --backend cpu only") == true)
    }
}
