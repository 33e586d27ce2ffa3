import Foundation
import Testing
import Latent
import LatentModels

// One M2 step against PyTorch: Fixtures/pytorch/make_m2_fixture.py writes models/m2_step.safetensors
// (a tiny SemiSupervisedVAE, 4 labelled and 3 unlabelled binary 3×4 images, fixed ε, α = 2.5), with the
// loss written as a PyTorch user writes it and differentiated by autograd in float64 from the float32
// parameters stored in the file. Here the real `m2Step` runs on the same numbers in float32.

/// The fixture's batch and α, and the model `SemiSupervisedVAE.dense` at its size with every parameter
/// set from `param.<name>` (the names are the same on both sides).
private struct M2Fixture {
    let file: FixtureFile
    let model: SemiSupervisedVAE
    let labelled: Tensor, labels: [Int], unlabelled: Tensor, epsLabelled: Tensor, epsUnlabelled: Tensor
    let alpha: Float

    init() throws {
        file = try loadFixture("models", "m2_step")
        let meta = file.metadata
        let classes = try #require(meta["classes"].flatMap { Int($0) })
        var generator = SeededGenerator(seed: 0)
        model = SemiSupervisedVAE.dense(inputs: [1, 3, 4], classes: classes, hidden: try #require(meta["hidden"].flatMap { Int($0) }),
                                        latent: try #require(meta["latent"].flatMap { Int($0) }), using: &generator)
        let names = Set(model.namedParameters.map(\.name))
        let stored = Set(file.names.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst("param.".count)) })
        #expect(names == stored, "Swift parameters \(names.sorted()), fixture \(stored.sorted())")
        for (name, parameter) in model.namedParameters { parameter.value = try file.tensor("param." + name) }
        labelled = try file.tensor("x_labelled")
        labels = try file.tensor("labels").scalars.map { Int($0) }
        unlabelled = try file.tensor("x_unlabelled")
        epsLabelled = try file.tensor("eps_labelled")
        epsUnlabelled = try file.tensor("eps_unlabelled")
        alpha = try #require(meta["alpha"].flatMap { Float($0) })
    }

    /// `m2Step` on the fixture's batch from zeroed gradients, with α replaced if given.
    func step(alpha: Float? = nil) -> M2StepTerms {
        model.zeroGrad()
        return m2Step(model, labelled: labelled, labels: labels, unlabelled: unlabelled,
                      epsLabelled: epsLabelled, epsUnlabelled: epsUnlabelled, alpha: alpha ?? self.alpha)
    }
}

@Suite("M2: m2Step against PyTorch autograd in float64")
struct M2FixtureTests {
    /// float32 against float64: the loss (about 25 nats) is a sum of a few hundred terms each rounded to
    /// 2⁻²⁴ ≈ 6·10⁻⁸ relative, so 10⁻⁵ relative is over ten times the rounding it can collect. The
    /// gradients pass through three layers and the differences L(x, c) − Σ_y q L (about 1 out of 11),
    /// which cost a digit: `parityTolerance` (10⁻⁴ relative to |expected| + 10⁻³) leaves a factor of ten
    /// above that (measured: 1.0·10⁻⁵ at worst). A wrong term is off by 3·10⁻² (U without H) to over 1
    /// (gradients; α = 1, the control below, by 3).
    static let lossTolerance: Float = 1e-5

    @Test("m2Step matches PyTorch: the loss and its four terms, L(x, y) of every unlabelled image and label, ∂/∂ the unlabelled logits and every parameter's gradient")
    func pytorchParity() throws {
        let f = try M2Fixture()
        let terms = f.step()
        var results: [(String, Comparison)] = []
        for (name, value) in [("loss", terms.loss), ("labelled", terms.labelled), ("unlabelled", terms.unlabelled),
                              ("cross_entropy", terms.crossEntropy), ("entropy", terms.entropy)] {
            let expected = try f.file.tensor(name).item
            #expect(Swift.abs(value - expected) <= Self.lossTolerance * Swift.abs(expected), "\(name) \(value), PyTorch \(expected)")
            results.append((name, Comparison(Tensor(shape: [1], scalars: [value]), Tensor(shape: [1], scalars: [expected]), floor: 0)))
        }
        results.append(("per_class", try expectParity(terms.perClass, f.file, "per_class", case: "m2_step")))
        results.append(("dLogits_u", try expectParity(terms.dUnlabelledLogits, f.file, "grad.unlabelled_logits", case: "m2_step")))
        for (name, parameter) in f.model.namedParameters {
            results.append((name, try expectParity(parameter.grad, f.file, "grad." + name, case: "m2_step")))
        }
        reportParity("m2_step", results)
    }

    @Test("Negative control: the step with α = 1 instead of the fixture's 2.5 fails the same comparison (the classifier's gradients)")
    func wrongAlphaIsCaught() throws {
        let f = try M2Fixture()
        #expect(f.alpha != 1)
        let terms = f.step(alpha: 1)
        #expect(Swift.abs(terms.loss - (try f.file.tensor("loss").item)) > 1e-2)
        let worst = try f.model.namedParameters.filter { $0.name.hasPrefix("classifier.") }.map { name, parameter in
            Comparison(parameter.grad, try f.file.tensor("grad." + name)).worstError
        }.max() ?? 0
        #expect(worst > 100 * parityTolerance, "the classifier's gradients with α = 1 passed: worst error \(worst)")
    }
}
