#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam hyper-parameters and form (methods.md 2.3). Dense: every parameter, embedding rows absent
/// from a batch included, is updated every step.
public struct AdamConfig: Sendable, Equatable, Codable {
    public var lr: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    /// Not part of the encoded block (config.json records it as RunConfig.adamForm, absent = torch).
    public var form: AdamForm = .torch

    private enum CodingKeys: String, CodingKey { case lr, beta1, beta2, eps }

    public init(lr: Double = 5e-4, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, form: AdamForm = .torch) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.form = form
    }

    public func validate() throws(ConfigError) {
        guard lr > 0, lr.isFinite else { throw ConfigError("--lr \(lr) must be a positive number") }
        guard (0..<1).contains(beta1) else { throw ConfigError("--beta1 \(beta1) must be in [0, 1)") }
        guard (0..<1).contains(beta2) else { throw ConfigError("--beta2 \(beta2) must be in [0, 1)") }
        guard eps > 0, eps.isFinite else { throw ConfigError("--eps \(eps) must be a positive number") }
    }
}

/// Parameters plus optimizer state: everything a backend needs to continue training exactly.
public struct TrainingState<T: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public var params: ParameterStore<T>
    public var m: [T]
    public var v: [T]
    /// Adam steps taken so far; the next update uses step + 1 in the bias corrections.
    public var step: Int

    public init(params: ParameterStore<T>) {
        self.params = params
        m = [T](repeating: 0, count: params.values.count)
        v = m
        step = 0
    }

    public init(params: ParameterStore<T>, m: [T], v: [T], step: Int) {
        self.params = params
        self.m = m
        self.v = v
        self.step = step
    }

    /// The same state in another precision (Float to Double and back is exact).
    public func converted<U: BinaryFloatingPoint & Sendable>(to: U.Type = U.self) -> TrainingState<U> {
        TrainingState<U>(params: params.converted(to: U.self), m: m.map { U($0) }, v: v.map { U($0) }, step: step)
    }
}

public enum Adam {
    /// One update of the whole state (see `apply`). `sliceSquares`: the keras form's per-element sums of
    /// squared embedding slices (the embedding slot's size; required for that form only).
    public static func update<T: BinaryFloatingPoint & Sendable>(
        _ state: inout TrainingState<T>, gradient g: [T], config c: AdamConfig, sliceSquares: [T]? = nil
    ) {
        state.step += 1
        let step = state.step, n = g.count, emb = state.params.layout.embedding.range
        precondition(c.form != .keras || sliceSquares?.count == emb.count, "the keras form needs the embedding's slice squares")
        state.params.values.withUnsafeMutableBufferPointer { p in
            state.m.withUnsafeMutableBufferPointer { m in
                state.v.withUnsafeMutableBufferPointer { v in
                    g.withUnsafeBufferPointer { g in
                        (sliceSquares ?? []).withUnsafeBufferPointer { sq in
                            apply(p.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!, 0..<n, step: step, config: c,
                                  embedding: emb, sliceSquares: sq.baseAddress)
                        }
                    }
                }
            }
        }
    }

    /// Step `step` of any form on elements `range` of the flat vector, whose `embedding` part takes the
    /// form's embedding rule (keras: v from `sliceSquares`, indexed from the embedding's first element;
    /// keras2: tf-keras' sparse decay order). Elementwise, so disjoint ranges may run on different threads.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func apply<T: BinaryFloatingPoint & Sendable>(
        _ p: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
        _ g: UnsafePointer<T>, _ range: Range<Int>, step: Int, config c: AdamConfig,
        embedding: Range<Int>, sliceSquares: UnsafePointer<T>?
    ) {
        switch c.form {
        case .torch:
            apply(p, m, v, g, range, step: step, config: c)
        case .keras, .keras2:
            let inside = range.clamped(to: embedding)
            let before = range.lowerBound..<max(range.lowerBound, min(range.upperBound, embedding.lowerBound))
            let after = min(range.upperBound, max(range.lowerBound, embedding.upperBound))..<range.upperBound
            for part in [before, after] where !part.isEmpty {
                KerasAdam.dense(p, m, v, g, part, step: step, config: c)
            }
            guard !inside.isEmpty else { return }
            if c.form == .keras {
                precondition(sliceSquares != nil, "the keras form needs the embedding's slice squares")
                KerasAdam.dense(p, m, v, g, inside, step: step, config: c, squares: sliceSquares! - embedding.lowerBound)
            } else {
                KerasAdam.sparse(p, m, v, g, inside, step: step, config: c)
            }
        }
    }

    /// Adam step number `step` (1-based) on elements `range`, in the same operation order as
    /// torch.optim.Adam (single-tensor path): m.lerp_(g, 1-b1); v = v*b2 + (1-b2) g^2;
    /// denom = sqrt(v)/sqrt(bc2) + eps; p -= (lr/bc1) m/denom. Elementwise, so disjoint ranges may run
    /// on different threads with identical results.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func apply<T: BinaryFloatingPoint & Sendable>(
        _ p: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
        _ g: UnsafePointer<T>, _ range: Range<Int>, step: Int, config c: AdamConfig
    ) {
        let n = Double(step)
        let stepSize = T(c.lr / (1 - pow(c.beta1, n)))
        let bc2 = T((1 - pow(c.beta2, n)).squareRoot())
        let oneMinusB1 = T(1 - c.beta1), b2 = T(c.beta2), oneMinusB2 = T(1 - c.beta2), eps = T(c.eps)
        let sS = AdamLanes.splat(stepSize), sB2c = AdamLanes.splat(bc2), s1 = AdamLanes.splat(oneMinusB1)
        let sb2 = AdamLanes.splat(b2), s2 = AdamLanes.splat(oneMinusB2), sE = AdamLanes.splat(eps)
        let start = AdamLanes.run(p, m, v, g, range) { pi, mi, vi, gi, _ in
            mi += s1 * (gi - mi)
            vi = vi * sb2 + s2 * (gi * gi)
            let denom = vi.squareRoot() / sB2c + sE
            pi -= sS * (mi / denom)
        }
        for i in start..<range.upperBound {
            let gi = g[i]
            m[i] += oneMinusB1 * (gi - m[i])
            v[i] = v[i] * b2 + oneMinusB2 * (gi * gi)
            let denom = v[i].squareRoot() / bc2 + eps
            p[i] -= stepSize * (m[i] / denom)
        }
    }
}
