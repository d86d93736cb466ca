/// One named tensor inside the flat parameter vector.
public struct TensorSlot: Sendable, Equatable {
    public let name: String        // PyTorch state_dict name
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// All parameters live in one flat array (llm.c style) so optimizers and tests walk every tensor by index.
/// Order and names follow PyTorch's `nn.Embedding`, `nn.LSTM`, `nn.Linear`. With `BiasLayout.one` there is
/// a single gate bias: `lstm.bias_ih_l0` holds it and `lstm.bias_hh_l0` is zero on export and summed in on
/// import. With `.two`, `biasHH` (`lstm.bias_hh_l0`) follows `bias` as a second trained vector.
public struct ParameterLayout: Sendable, Equatable {
    public let shape: ModelShape
    public let embedding: TensorSlot   // [V][E]
    public let wx: TensorSlot          // [4H][E]  (weight_ih_l0)
    public let wh: TensorSlot          // [4H][H]  (weight_hh_l0)
    public let bias: TensorSlot        // [4H]     (bias_ih_l0; with one bias, bias_ih_l0 + bias_hh_l0)
    public let biasHH: TensorSlot?     // [4H]     (bias_hh_l0, `.two` only)
    public let wd: TensorSlot          // [1][H]   (fc.weight)
    public let bd: TensorSlot          // [1]      (fc.bias)
    public let count: Int

    public static let biasHHName = "lstm.bias_hh_l0"

    public init(_ s: ModelShape, biases: BiasLayout = .one) {
        shape = s
        var off = 0
        func slot(_ name: String, _ dims: [Int]) -> TensorSlot {
            let t = TensorSlot(name: name, shape: dims, offset: off)
            off += t.count
            return t
        }
        embedding = slot("embedding.weight", [s.vocab, s.embed])
        wx = slot("lstm.weight_ih_l0", [s.gateRows, s.embed])
        wh = slot("lstm.weight_hh_l0", [s.gateRows, s.hidden])
        bias = slot("lstm.bias_ih_l0", [s.gateRows])
        biasHH = biases == .two ? slot(Self.biasHHName, [s.gateRows]) : nil
        wd = slot("fc.weight", [1, s.hidden])
        bd = slot("fc.bias", [1])
        count = off
    }

    public var biases: BiasLayout { biasHH == nil ? .one : .two }

    public var slots: [TensorSlot] { [embedding, wx, wh, bias] + (biasHH.map { [$0] } ?? []) + [wd, bd] }
}

/// A flat parameter (or gradient, or moment) vector with its layout.
public struct ParameterStore<T: BinaryFloatingPoint & Sendable>: Sendable, Equatable {
    public let layout: ParameterLayout
    public var values: [T]

    public init(layout: ParameterLayout, values: [T]) {
        precondition(values.count == layout.count, "parameter vector has \(values.count) values, layout needs \(layout.count)")
        self.layout = layout
        self.values = values
    }

    public static func zeros(_ layout: ParameterLayout) -> ParameterStore {
        ParameterStore(layout: layout, values: [T](repeating: 0, count: layout.count))
    }

    public subscript(_ slot: TensorSlot) -> ArraySlice<T> {
        get { values[slot.range] }
        set { values[slot.range] = newValue }
    }

    public func converted<U: BinaryFloatingPoint & Sendable>(to: U.Type = U.self) -> ParameterStore<U> {
        ParameterStore<U>(layout: layout, values: values.map { U($0) })
    }

    /// The gate bias the forward pass uses: `bias`, plus `biasHH` elementwise (in T) with two biases.
    public var gateBias: [T] {
        guard let hh = layout.biasHH else { return Array(self[layout.bias]) }
        return zip(self[layout.bias], self[hh]).map { $0 + $1 }
    }

    /// The same model with one bias vector (the summed gate bias): what the stability analysis and any
    /// one-bias consumer sees. A one-bias store comes back unchanged.
    public func withSummedBias() -> ParameterStore {
        guard layout.biasHH != nil else { return self }
        let one = ParameterLayout(layout.shape)
        var out = ParameterStore.zeros(one)
        for (a, b) in zip(layout.slots.filter { $0.name != ParameterLayout.biasHHName }, one.slots) { out[b] = self[a] }
        out[one.bias] = ArraySlice(gateBias)
        return out
    }
}
