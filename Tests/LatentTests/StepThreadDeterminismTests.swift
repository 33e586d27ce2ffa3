import Testing
import Latent
import LatentModels

/// The chapters' own training steps, each on the chapter's model (narrower where the chapter's would be
/// slow in a debug build), trained for two Adam steps on 1 thread and on 2: every parameter, every
/// BatchNorm statistic and every reported loss must have the same bits. The models are sized so that
/// the kernels do split their work on 2 threads: each model's first product is above GEMM's threshold
/// of 2¹⁸ multiply-adds, and the losses' per-row passes get at least two rows per thread.
@Suite("Every chapter's training step is bit-identical on 1 and 2 threads")
struct StepThreadDeterminismTests {
    /// A chapter's step on its model: `run(threads)` builds the model and trains it (`train`).
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let run: @Sendable (Int) -> (state: [(String, [UInt32])], losses: [UInt32])
        var testDescription: String { name }
    }

    /// Two steps of `step` with Adam (weight decay for seed 000's faces, as chapter 3) on `threads`
    /// threads; the bits of every parameter and buffer of `model` and of the losses `step` returned.
    static func train(
        threads: Int, model: any Layer, weightDecay: Float = 0, _ step: (inout SeededGenerator) -> [Float]
    ) -> (state: [(String, [UInt32])], losses: [UInt32]) {
        Parallel.withThreadCount(threads) {
            let adam = Adam(parameters: model.parameters, lr: 1e-3, weightDecay: weightDecay)
            var data = SeededGenerator(seed: 5)
            var losses: [UInt32] = []
            for _ in 0..<2 {
                adam.zeroGrad()
                losses += step(&data).map(\.bitPattern)
                adam.step()
            }
            return (stateBits(model), losses)
        }
    }

    /// Chapter 2's `autoencoderStep` on the model `make` builds, on uniform images of shape `inputs`.
    static func autoencoderCase(
        _ model: String, inputs: [Int], _ make: @escaping @Sendable (inout SeededGenerator) -> any AutoencoderModel
    ) -> Case {
        Case(name: "chapter 2: autoencoderStep, \(model)") { threads in
            var g = SeededGenerator(seed: 1)
            let model = make(&g)
            return train(threads: threads, model: model) { data in
                let x = Tensor.randomUniform(inputs, using: &data)
                return [autoencoderStep(model, input: x, target: x)]
            }
        }
    }

    static func binary(_ shape: [Int], _ generator: inout SeededGenerator) -> Tensor {
        Tensor.randomUniform(shape, using: &generator).map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 })
    }

    static func normal(_ shape: [Int], _ generator: inout SeededGenerator) -> Tensor { Tensor.randomNormal(shape, using: &generator) }

    static let cases: [Case] = [
        autoencoderCase("seed 001's conv AE", inputs: [16, 1, 28, 28]) { ConvAutoencoder(latentDimension: 16, using: &$0) },
        autoencoderCase("the tied dense AE", inputs: [32, 1, 28, 28]) { TiedDenseAutoencoder(hidden: 200, latentDimension: 20, using: &$0) },
        autoencoderCase("the CelebA conv AE (f = 4)", inputs: [4, 3, 64, 64]) { CelebAAutoencoder(width: 4, latentDimension: 16, using: &$0) },
        Case(name: "chapter 3: vaeStep, the dense VAE (Bernoulli)") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.dense(latent: 20, likelihood: .bce, using: &g)
            return train(threads: threads, model: vae) { data in
                let terms = vaeStep(vae, x: binary([32, 1, 28, 28], &data), eps: normal([32, 20], &data), objective: .elbo(.bce))
                return [terms.reconstruction, terms.kl]
            }
        },
        Case(name: "chapter 3: vaeStep, seed 000's CelebA VAE (f = 4)") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.celeba(filters: 4, latent: 16, using: &g)
            return train(threads: threads, model: vae, weightDecay: 1e-5) { data in
                let x = 2 * Tensor.randomUniform([4, 3, 64, 64], using: &data) - 1
                let terms = vaeStep(vae, x: x, eps: normal([4, 16], &data), objective: .elbo(.mse))
                return [terms.reconstruction, terms.kl]
            }
        },
        Case(name: "chapter 3: iwaeStep, Burda et al.'s model, k = 5") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.burda(latent: 50, using: &g)
            return train(threads: threads, model: vae) { data in
                let terms = iwaeStep(vae, x: binary([8, 1, 28, 28], &data), eps: normal([40, 50], &data), samples: 5)
                return [terms.loss, terms.reconstruction, terms.kl]
            }
        },
        Case(name: "chapter 4: vaeStep, seed 001's conv VAE, β = 4") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.conv(latent: 8, likelihood: .mse, using: &g)
            return train(threads: threads, model: vae) { data in
                let x = Tensor.randomUniform([16, 1, 28, 28], using: &data)
                let terms = vaeStep(vae, x: x, eps: normal([16, 8], &data), objective: .betaVAE(beta: 4))
                return [terms.reconstruction, terms.kl]
            }
        },
        Case(name: "chapter 5: remedyStep, the rows model, free bits") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.dense(latent: 20, likelihood: .bce, using: &g)
            let context = RowContext(using: &g)
            return train(threads: threads, model: ContextVAE(vae: vae, context: context)) { data in
                let terms = remedyStep(vae, x: binary([32, 1, 28, 28], &data), eps: normal([32, 20], &data),
                                       objective: RemedyObjective(decoder: .bernoulli, freeBits: 0.1), beta: 0.5, context: context)
                return [terms.reconstruction, terms.kl, terms.klCharged]
            }
        },
        Case(name: "chapter 5: remedyStep, the conv VAE, learned decoder variance") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.conv(latent: 8, likelihood: .mse, using: &g)
            return train(threads: threads, model: vae) { data in
                let terms = remedyStep(vae, x: Tensor.randomUniform([16, 1, 28, 28], using: &data), eps: normal([16, 8], &data),
                                       objective: RemedyObjective(decoder: .learnedVariance), beta: 1)
                return [terms.reconstruction, terms.kl, terms.logVariance ?? .nan]
            }
        },
        Case(name: "chapter 6: betaTCVAEStep, Burgess et al.'s VAE, β = 6") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.burgess(latent: 10, using: &g)
            return train(threads: threads, model: vae) { data in
                let terms = betaTCVAEStep(vae, x: binary([4, 1, 64, 64], &data), eps: normal([4, 10], &data), beta: 6, datasetSize: 1000)
                return [terms.reconstruction, terms.kl, terms.totalCorrelation]
            }
        },
        Case(name: "chapter 7: vaeStep, the conditional VAE") { threads in
            var g = SeededGenerator(seed: 1)
            let vae = VAE.conditionalDense(classes: 10, hidden: 400, latent: 20, using: &g)
            return train(threads: threads, model: vae) { data in
                let labels = (0..<32).map { $0 % 10 }
                let terms = vaeStep(vae, x: binary([32, 1, 28, 28], &data), eps: normal([32, 20], &data), objective: .elbo(.bce),
                                    condition: oneHot(labels, classes: 10))
                return [terms.reconstruction, terms.kl]
            }
        },
        Case(name: "chapter 7: m2Step, M2") { threads in
            var g = SeededGenerator(seed: 1)
            let model = SemiSupervisedVAE.dense(classes: 10, hidden: 100, latent: 10, using: &g)
            return train(threads: threads, model: model) { data in
                let terms = m2Step(model, labelled: binary([10, 1, 28, 28], &data), labels: Array(0..<10),
                                   unlabelled: binary([8, 1, 28, 28], &data), epsLabelled: normal([10, 10], &data),
                                   epsUnlabelled: normal([80, 10], &data), alpha: 60)
                return [terms.labelled, terms.unlabelled, terms.crossEntropy, terms.entropy, terms.loss]
            }
        },
    ]

    @Test("two Adam steps: every parameter, buffer and loss on 2 threads equals 1 thread's, bit for bit", arguments: cases)
    func sameBits(_ chapter: Case) {
        let one = chapter.run(1)
        let two = chapter.run(2)
        #expect(one.state.count >= 4 && !one.losses.isEmpty)
        expectSameBits(one, two, threads: 2)
    }
}
