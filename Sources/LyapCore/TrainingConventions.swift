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
