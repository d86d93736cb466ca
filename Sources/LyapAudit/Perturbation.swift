import LyapCore

/// One perturbation of a twin run (methods.md §6.3), parsed from `KIND:SIZE`.
public enum Perturbation: Equatable, Sendable, CustomStringConvertible {
    case none
    case param(Double)       // theta += eps * ||theta|| * zeta/||zeta||, global
    case paramTensor(Double) // the same per tensor: each tensor moves by eps times its own norm
    case lr(Double)          // learning rate x factor for the first epoch after branching
    case order(UInt64)       // data-order stream from a different seed
    case swap(Int)           // first epoch after branching: minibatch K and K+1 of the epoch order exchanged
    case labels(Double)      // flip this fraction of the training labels
    case adamReset           // Adam moments and step set to zero
    case batch(Int)          // minibatch size for the first epoch after branching
    case gradNoise(Double)   // first epoch: g += eps * ||g|| * zeta/||zeta||, fresh zeta every step
    case lossScale(Double)   // first epoch: loss (so every gradient) x (1 + eps)

    public static let kinds = "none, param:EPS, param-tensor:EPS, lr:FACTOR, order:SEED, swap:K, labels:FRAC, adam-reset, batch:SIZE, grad-noise:EPS, loss-scale:EPS"

    public static func parse(_ spec: String) throws -> Perturbation {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let kind = parts[0], size = parts.count > 1 ? parts[1] : nil
        func number() throws -> Double {
            guard let s = size else { throw ConfigError("--perturb \(spec): \(kind) needs a size (\(kind):SIZE)") }
            guard let v = Double(s), v.isFinite else { throw ConfigError("--perturb \(spec): size '\(s)' is not a number") }
            return v
        }
        func positive() throws -> Double {
            let e = try number()
            guard e > 0 else { throw ConfigError("--perturb \(spec): EPS must be > 0") }
            return e
        }
        func count(_ what: String, min: Int) throws -> Int {
            guard let s = size, let k = Int(s), k >= min else {
                throw ConfigError("--perturb \(spec): \(kind) needs \(what) (\(kind):\(kind == "swap" ? "K" : "SIZE"))")
            }
            return k
        }
        switch kind {
        case "none", "adam-reset":
            if let s = size, !s.isEmpty, s != "0" { throw ConfigError("--perturb \(spec): \(kind) takes no size") }
            return kind == "none" ? .none : .adamReset
        case "param": return .param(try positive())
        case "param-tensor": return .paramTensor(try positive())
        case "lr":
            let f = try number()
            guard f > 0 else { throw ConfigError("--perturb \(spec): FACTOR must be > 0") }
            return .lr(f)
        case "order":
            guard let s = size, let seed = UInt64(s) else {
                throw ConfigError("--perturb \(spec): order needs a non-negative integer seed (order:SEED)")
            }
            return .order(seed)
        case "swap": return .swap(try count("a non-negative integer batch index", min: 0))
        case "labels":
            let q = try number()
            guard q > 0, q <= 1 else { throw ConfigError("--perturb \(spec): FRAC must be in (0, 1]") }
            return .labels(q)
        case "batch": return .batch(try count("a positive integer size", min: 1))
        case "grad-noise":
            let e = try number()
            guard e >= 0 else { throw ConfigError("--perturb \(spec): EPS must be >= 0") }
            return .gradNoise(e)
        case "loss-scale":
            let e = try number()
            guard e > -1 else { throw ConfigError("--perturb \(spec): EPS must be > -1 (the loss is multiplied by 1+EPS)") }
            return .lossScale(e)
        default:
            throw ConfigError("--perturb \(spec): unknown kind '\(kind)' (kinds: \(kinds))")
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .param(let e): return "param:\(e)"
        case .paramTensor(let e): return "param-tensor:\(e)"
        case .lr(let f): return "lr:\(f)"
        case .order(let s): return "order:\(s)"
        case .swap(let k): return "swap:\(k)"
        case .labels(let q): return "labels:\(q)"
        case .adamReset: return "adam-reset"
        case .batch(let b): return "batch:\(b)"
        case .gradNoise(let e): return "grad-noise:\(e)"
        case .lossScale(let e): return "loss-scale:\(e)"
        }
    }

    /// Why this kind cannot run on the Vulkan backend, or nil when it can.
    public var vulkanLimitation: String? {
        switch self {
        case .batch: return "--perturb \(self) runs on --backend cpu only (the Vulkan backend is built for one batch size)"
        default: return nil
        }
    }
}
