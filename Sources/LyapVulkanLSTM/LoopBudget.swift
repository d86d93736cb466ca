import LyapCore
import LyapVulkan

/// Mesa's llvmpipe (lavapipe) ends shader loops after 65 535 iterations per invocation, counted over
/// every loop of the shader together (gallivm's loop limiter, `LP_MAX_TGSI_LOOP_ITERATIONS`), and then
/// carries on with wrong values and no error. Our persistent kernels loop over every time step inside one
/// invocation, so on llvmpipe a large enough shape silently gives wrong results (measured: the tangent
/// kernel at H=60 past about 450 steps in one dispatch; the training backward at H=129 between L=100 and
/// 200). GPUs have no such limit. This estimates each kernel's loop iterations per invocation (an upper
/// bound of what the limiter counts, with a margin, since the count depends on how llvmpipe vectorises)
/// so llvmpipe runs get split into short enough dispatches, or refused with a clear error.
public enum LoopBudget {
    /// What the estimates may reach on llvmpipe: 65 535 less a margin for loops the estimate rounds.
    public static let iterations = 48_000

    public static func applies(to info: VulkanDeviceInfo) -> Bool {
        info.name.lowercased().contains("llvmpipe") || info.driverName.lowercased().contains("llvmpipe")
    }

    private static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

    /// Items each invocation of a grid-stride kernel handles (groups of `size`, at most 65 535 groups).
    private static func gridStride(_ n: Int, size: Int) -> Int {
        let groups = max(1, min(ceilDiv(n, size), 65_535))
        return ceilDiv(n, groups * size)
    }

    /// The training kernels' largest estimate with the given launch configuration: (kernel, iterations per
    /// invocation).
    public static func training(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int,
                                kernels: KernelConfig.Resolved, biases: BiasLayout = .one) -> (kernel: String, iterations: Int) {
        let H = shape.hidden, G = 4 * H, E = shape.embed, V = shape.vocab
        let ls = kernels.persistentWorkgroup, rowsInRegisters = kernels.rowsInRegisters
        func perInvocation(_ n: Int) -> Int { gridStride(n, size: kernels.flatWorkgroup) }
        let units = ceilDiv(H, ls)
        let forward = units + L * (ceilDiv(G, ls) * (H + 1) + units + 1) + (rowsInRegisters ? H : 0)
        let backward = units + L * (units + (rowsInRegisters ? (H + 1) + units : units * (G + 1)) + 1) + (rowsInRegisters ? H : 0)
        // The split-K reductions: pass 1 sums one chunk of rows per item, pass 2 adds the chunks.
        let wh = SplitK.recurrent(shape: shape, models: M, batch: B, seqLen: L)
        let wx = SplitK.input(shape: shape, models: M, batch: B, seqLen: L)
        let bias = SplitK.bias(shape: shape, models: M, batch: B, seqLen: L)
        let sums = [(wh, G * H), (wx, G * E), (bias, G)].map { split, n in perInvocation(M * n) * (split.chunks + 1) }
        let perKernel: [(LSTMKernel, Int)] = [
            (.forward, forward), (.backward, backward),
            (.gradRecurrentPart, perInvocation(M * wh.chunks * G * H) * (wh.chunkRows + 1)),
            (.gradInputPart, perInvocation(M * wx.chunks * G * E) * (wx.chunkRows + 1)),
            (.gradBiasPart, perInvocation(M * bias.chunks * G) * (bias.chunkRows + 1)),
            (.gradSumParts, sums.max()!),
            (.gradHead, perInvocation(M * (H + 1)) * (B + 1)),
            (.inputDelta, perInvocation(M * L * B * E) * (G + 1)),
            // Worst case: one token id fills the whole batch (padding in a batch of short reviews).
            (.gradEmbedding, perInvocation(M * V * E) * (L * B + 1)),
            (.inputProjection, perInvocation(M * L * B * G) * (E + 1)),
            (.adam, perInvocation(M * shape.parameterCount(biases: biases))),
        ]
        // head_loss loops over H once per sequence, far below the budget; every other training kernel is here.
        precondition(Set(perKernel.map(\.0)).union([.headLoss]) == Set(LSTMKernel.training), "LoopBudget.training misses a kernel of LSTMKernel")
        let worst = perKernel.max { $0.1 < $1.1 }!
        return (worst.0.name, worst.1)
    }

    /// The tangent kernel's iterations for `steps` cell updates in one dispatch (all of them zero-input
    /// steps with a Gram-Schmidt pass after each, the most expensive case, when `renorm` is 1).
    public static func tangent(hidden H: Int, embed E: Int, tangents k: Int, renorm: Int, workgroup ls: Int,
                        rowsInRegisters: Bool, steps: Int) -> Int {
        let G = 4 * H, n = 2 * H, rows = 3 + k, c = ceilDiv(n, ls)
        let drive = ceilDiv(G, ls) * (1 + (E + 1) + 2 * (H + 1)) + ceilDiv(2 * H, ls) + 2
        let auto = ceilDiv(G, ls) * (1 + rows * (H + 1)) + ceilDiv(3 * H, ls) + ceilDiv(k * H, ls) + 4
        // Modified Gram-Schmidt twice: k^2 - k projections and k norms, each a dot product (a strided
        // product and an n-term sum) and an update.
        let gramSchmidt = k * (k - 1) * (n + 2 * c + 1) + k * (n + 2 * c + 3) + 4
        let renormalisations = renorm <= 1 ? steps : steps / renorm + 2
        let carried = 2 * ceilDiv(rows * n, ls) + 2 * k + (rowsInRegisters ? H : 0) + 8
        return steps * max(drive, auto) + renormalisations * gramSchmidt + carried
    }

    /// The longest run of cell updates one tangent dispatch may take on llvmpipe; nil when even one
    /// step is over the budget.
    public static func tangentSteps(hidden H: Int, embed E: Int, tangents k: Int, renorm: Int, workgroup ls: Int,
                             rowsInRegisters: Bool, total: Int) -> Int? {
        func fits(_ s: Int) -> Bool {
            tangent(hidden: H, embed: E, tangents: k, renorm: renorm, workgroup: ls, rowsInRegisters: rowsInRegisters, steps: s) <= iterations
        }
        guard fits(1) else { return nil }
        var lo = 1, hi = max(1, total)
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if fits(mid) { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}
