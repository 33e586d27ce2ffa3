import Latent

/// The run's named random generators ("eps", "binarize", …): each draws one kind of randomness, so
/// adding a draw of one kind never shifts another, and the checkpoint saves every one of them, which
/// makes a resumed run continue bit for bit.
///
/// ```swift
/// let random = RandomStreams(["eps": SeededGenerator(seed: seed)])
/// let eps = Tensor.randomNormal([n, z], using: &random["eps"])
/// ```
public final class RandomStreams {
    /// `(name, generator)` in the order given.
    public private(set) var generators: [(name: String, generator: SeededGenerator)]

    /// Streams with these names and starting states.
    public init(_ generators: KeyValuePairs<String, SeededGenerator>) {
        self.generators = generators.map { ($0.key, $0.value) }
    }

    /// The generator called `name` (a programming error if there is none).
    public subscript(name: String) -> SeededGenerator {
        get { generators[index(of: name)].generator }
        set { generators[index(of: name)].generator = newValue }
    }

    private func index(of name: String) -> Int {
        guard let index = generators.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("RandomStreams: no generator named \(name) (have: \(generators.map(\.name)))")
        }
        return index
    }

    /// Every state as text, `name` → `s0,s1,s2,s3/spare` (hexadecimal; spare empty when none).
    var text: [(String, JSONValue)] {
        generators.map { name, g in
            (name, .string(g.state.map { String($0, radix: 16) }.joined(separator: ",")
                          + "/" + (g.spareNormal.map { String($0.bitPattern, radix: 16) } ?? "")))
        }
    }

    /// Restores every stream from `text`; false (nothing changed) when a name is missing or a state
    /// does not parse.
    func restore(_ text: JSONValue) -> Bool {
        var restored = generators
        for index in restored.indices {
            guard case let .string(value)? = text[restored[index].name] else { return false }
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return false }
            let words = parts[0].split(separator: ",").compactMap { UInt64($0, radix: 16) }
            guard words.count == 4, words != [0, 0, 0, 0] else { return false }
            restored[index].generator.state = words
            if parts[1].isEmpty {
                restored[index].generator.spareNormal = nil
            } else {
                guard let bits = UInt32(parts[1], radix: 16) else { return false }
                restored[index].generator.spareNormal = Float(bitPattern: bits)
            }
        }
        generators = restored
        return true
    }
}
