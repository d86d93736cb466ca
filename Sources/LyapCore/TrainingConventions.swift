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
