/// How the LSTM's gate bias is trained (`--lstm-biases`). `one`: a single trained vector per gate row
/// (Keras' LSTM); `two`: nn.LSTM's `bias_ih` and `bias_hh`, two trained vectors with their own Adam
/// moments whose sum the forward pass uses (each gets the same gradient).
public enum BiasLayout: String, Sendable, Codable, CaseIterable {
    case one, two
}

/// The form of Adam's update (`--adam-form`; methods.md 2.3).
/// - `torch`: torch.optim.Adam's operation order (lyap's default).
/// - `keras`: Keras 3 (TensorFlow backend): step lr·sqrt(1-b2^t)/(1-b1^t)·m/(sqrt(v)+eps); the embedding's
///   gradient arrives as per-occurrence row slices, m takes their sum and v the sum of their squares.
/// - `keras2`: tf-keras 2.x: Keras' step with the slices summed first (sparse m/v decay order for the
///   embedding, dense for every other tensor).
public enum AdamForm: String, Sendable, Codable, CaseIterable {
    case torch, keras, keras2

    /// The framework's default epsilon (PyTorch 1e-8, Keras 1e-7).
    public var defaultEpsilon: Double { self == .torch ? 1e-8 : 1e-7 }
    /// Whether the backward pass must also produce, per embedding row, the sum of squared per-occurrence slices.
    public var needsSliceSquares: Bool { self == .keras }
}

/// The loss the classifier is trained and evaluated with (recorded in config.json as `loss`).
/// - `logits`: BCE with logits on z, max(z,0) - z*y + log(1+exp(-|z|)), gradient (sigmoid(z) - y)/B in
///   Double (today's; Keras' `from_logits=True` and nn.BCEWithLogitsLoss).
/// - `sigmoidBCE`: nn.Sigmoid then nn.BCELoss, computed as PyTorch's CPU kernels do in the model's dtype:
///   p = 1/(1+exp(-z)), loss (y-1)*max(log1p(-p), -100) - y*max(log(p), -100), dL/dp =
///   (p-y)/max((1-p)p, EPSILON)/B with EPSILON the float 1e-12, dL/dz = dL/dp*(1-p)*p. Where sigmoid
///   saturates the clamp and EPSILON shrink the gradient (the reproduction's model; see `SigmoidBCE`).
public enum LossForm: String, Sendable, Codable, CaseIterable {
    case logits
    case sigmoidBCE = "sigmoid-bce"
}

/// What happens to embedding row 0, the padding id (recorded in config.json as `padRow`).
/// - `trained`: an ordinary row (today's; Keras' Embedding without mask_zero).
/// - `zero`: nn.Embedding(padding_idx=0): the row starts at zero and its gradient is always zero, so with
///   Adam's m = v = 0 it stays exactly zero and pads are zero input.
public enum PadRow: String, Sendable, Codable, CaseIterable {
    case trained
    case zero
}

extension ParameterLayout {
    /// The elements of embedding row `id` in the flat vector.
    public func embeddingRow(_ id: Int) -> Range<Int> {
        (embedding.offset + id * shape.embed)..<(embedding.offset + (id + 1) * shape.embed)
    }
}

/// How a review becomes a row of exactly L ids (recorded in config.json as `padding`).
/// - `pre`: keep the LAST L ids, pad with 0 in front (today's; Keras `pad_sequences` defaults).
/// - `post`: keep the FIRST L ids, pad with 0 at the end (the reproduction's `IMDBDataset`).
public enum Padding: String, Sendable, Codable, CaseIterable {
    case pre
    case post

    /// `ids` cut and padded to `length` into `row` (which must hold `length` zeros).
    public func place<C: Collection<Int32>>(_ ids: C, length: Int, into row: inout ArraySlice<Int32>) {
        let start = row.startIndex
        switch self {
        case .pre:
            let kept = ids.suffix(length)
            row.replaceSubrange((start + length - kept.count)..<(start + length), with: kept)
        case .post:
            let kept = ids.prefix(length)
            row.replaceSubrange(start..<(start + kept.count), with: kept)
        }
    }
}
