import LyapCore
import LyapIO

/// Model weights in safetensors with PyTorch's names and shapes. `torch.nn.Module.load_state_dict`
/// of Embedding(V,E) + LSTM(E,H,batch_first=True) + Linear(H,1) takes the file as it is. With one bias
/// the gate bias goes to `bias_ih_l0` and `bias_hh_l0` is zero, and on import both are summed; with two
/// biases each is written and read as itself (a file without `bias_hh_l0` gives a zero one).
public enum ModelWeights {
    public static let format = "lyap-model-1"

    public static func file<T: BinaryFloatingPoint & Sendable>(
        _ p: ParameterStore<T>, precision: RunConfig.Precision, metadata: [String: String] = [:]
    ) -> SafeTensorsFile {
        let l = p.layout
        var tensors: [String: SafeTensor] = [:]
        for slot in l.slots { tensors[slot.name] = tensor(Array(p[slot]), shape: slot.shape, precision) }
        if l.biasHH == nil {
            tensors[ParameterLayout.biasHHName] = tensor([T](repeating: 0, count: l.bias.count), shape: l.bias.shape, precision)
        }
        var meta = metadata
        meta["format"] = format
        meta["gate_order"] = "i,f,g,o"
        meta["model"] = "Embedding(\(l.shape.vocab),\(l.shape.embed)) LSTM(\(l.shape.embed),\(l.shape.hidden)) Linear(\(l.shape.hidden),1)"
        return SafeTensorsFile(tensors: tensors, metadata: meta)
    }

    /// A tensor in the run's precision.
    public static func tensor<T: BinaryFloatingPoint>(_ v: [T], shape: [Int], _ precision: RunConfig.Precision) -> SafeTensor {
        switch precision {
        case .float32: return SafeTensor(floats: v.map { Float($0) }, shape: shape)
        case .float64: return SafeTensor(doubles: v.map { Double($0) }, shape: shape)
        }
    }

    /// The model shape a weights file describes, read from its tensor shapes.
    public static func shape(of f: SafeTensorsFile, path: String) throws -> ModelShape {
        guard let emb = f.tensors["embedding.weight"] else {
            throw SafeTensorsError(message: "\(path): missing tensor 'embedding.weight' (found: \(f.tensors.keys.sorted().joined(separator: ", ")))")
        }
        guard let whh = f.tensors["lstm.weight_hh_l0"] else {
            throw SafeTensorsError(message: "\(path): missing tensor 'lstm.weight_hh_l0' (found: \(f.tensors.keys.sorted().joined(separator: ", ")))")
        }
        guard emb.shape.count == 2, whh.shape.count == 2, whh.shape[0] == 4 * whh.shape[1], whh.shape[1] > 0 else {
            throw SafeTensorsError(message: "\(path): 'embedding.weight' \(emb.shape) / 'lstm.weight_hh_l0' \(whh.shape) do not describe an Embedding + single-layer LSTM")
        }
        return ModelShape(vocab: emb.shape[0], embed: emb.shape[1], hidden: whh.shape[1])
    }

    /// Reads every tensor, checking names, shapes and dtypes against `layout`; values come back in
    /// Double (exact for F32 and F64 files).
    public static func parameters(from f: SafeTensorsFile, path: String, layout l: ParameterLayout) throws -> ParameterStore<Double> {
        var p = ParameterStore<Double>.zeros(l)
        for slot in l.slots where slot.name != ParameterLayout.biasHHName || f.tensors[slot.name] != nil {
            let t = try f.tensor(slot.name, dtype: nil, shape: slot.shape)
            p[slot] = ArraySlice(try t.asDoubles())
        }
        if l.biasHH == nil, f.tensors[ParameterLayout.biasHHName] != nil {
            let hh = try f.tensor(ParameterLayout.biasHHName, dtype: nil, shape: l.bias.shape).asDoubles()
            for (i, v) in hh.enumerated() { p.values[l.bias.offset + i] += v }
        }
        for (name, v) in zip(l.slots.map(\.name), l.slots) where p[v].contains(where: { !$0.isFinite }) {
            throw SafeTensorsError(message: "\(path): tensor '\(name)' contains NaN or Inf")
        }
        return p
    }

    /// Reads a weights file whose shape must equal `expected` (when given), into a layout with `biases`.
    public static func read(path: String, expected: ModelShape? = nil, biases: BiasLayout = .one) throws -> ParameterStore<Double> {
        let f = try SafeTensorsFile.read(path: path)
        let s = try shape(of: f, path: path)
        if let e = expected, e != s {
            throw ConfigError("\(path): weights are for \(s) but the run is configured for \(e) (--vocab/--embed/--hidden)")
        }
        return try parameters(from: f, path: path, layout: ParameterLayout(s, biases: biases))
    }
}
