/// Layers applied one after another, PyTorch's `nn.Sequential`.
///
/// Parameters and buffers are named by position, as PyTorch names them: `"0.weight"`, `"3.running_mean"`.
/// Setting `isTraining` sets it on every layer.
public final class Sequential: Layer, CustomStringConvertible {
    /// The layers, in order.
    public let layers: [any Layer]

    /// A Sequential of `layers`.
    public init(_ layers: [any Layer]) { self.layers = layers }

    /// A Sequential of the listed layers.
    public convenience init(_ layers: any Layer...) { self.init(layers) }

    /// Training or evaluation mode, for every layer.
    public var isTraining: Bool {
        get { layers.first?.isTraining ?? true }
        set { for layer in layers { layer.isTraining = newValue } }
    }

    /// Every layer's parameters, prefixed by the layer's index.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { index, layer in
            layer.namedParameters.map { (name: "\(index).\($0.name)", parameter: $0.parameter) }
        }
    }

    /// Every layer's buffers, prefixed by the layer's index.
    public var namedBuffers: [(name: String, value: Tensor)] {
        layers.enumerated().flatMap { index, layer in
            layer.namedBuffers.map { (name: "\(index).\($0.name)", value: $0.value) }
        }
    }

    /// Sets the buffer `"<index>.<name>"` on layer `index`.
    public func setBuffer(_ name: String, to value: Tensor) {
        guard let dot = name.firstIndex(of: "."), let index = Int(name[..<dot]), layers.indices.contains(index) else {
            preconditionFailure("Sequential has no buffer named \(name)")
        }
        layers[index].setBuffer(String(name[name.index(after: dot)...]), to: value)
    }

    /// Each layer's forward, first to last.
    public func forward(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1.forward($0) }
    }

    /// Each layer's backward, last to first.
    public func backward(_ dy: Tensor) -> Tensor {
        layers.reversed().reduce(dy) { $1.backward($0) }
    }

    /// Each layer's backward, last to first, down to the first layer with parameters, which gets
    /// `backwardParametersOnly`; the parameterless layers before it (a Flatten, say) are not visited.
    /// The parameter gradients are `backward`'s, and no input gradient is computed.
    public func backwardParametersOnly(_ dy: Tensor) {
        guard let first = layers.firstIndex(where: { !$0.namedParameters.isEmpty }) else { return }
        let gradient = layers[(first + 1)...].reversed().reduce(dy) { $1.backward($0) }
        layers[first].backwardParametersOnly(gradient)
    }

    /// PyTorch's multi-line summary: `Sequential(\n  (0): Conv2d(...)\n  ...\n)`.
    public var description: String {
        let lines = layers.enumerated().map { index, layer in
            "  (\(index)): " + String(describing: layer).split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
        }
        return (["Sequential("] + lines + [")"]).joined(separator: "\n")
    }

    /// A table of each layer, its output shape and its parameter count, for an input of shape `input`.
    ///
    /// Runs one forward pass in evaluation mode on zeros (running statistics are left untouched).
    public func summary(input: [Int]) -> String {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var x = Tensor.zeros(input)
        var rows = [("Layer", "Output shape", "Parameters")]
        for (index, layer) in layers.enumerated() {
            x = layer.forward(x)
            let name = "(\(index)) " + String(describing: layer)
            rows.append((name, "\(x.shape)", "\(layer.parameterCount)"))
        }
        rows.append(("Total", "", "\(parameterCount)"))
        let w0 = rows.map(\.0.count).max()!, w1 = rows.map(\.1.count).max()!
        return rows.map { row in
            row.0 + String(repeating: " ", count: w0 + 2 - row.0.count)
                + row.1 + String(repeating: " ", count: w1 + 2 - row.1.count) + row.2
        }.joined(separator: "\n")
    }
}
