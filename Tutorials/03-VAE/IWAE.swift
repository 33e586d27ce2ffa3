// Chapter 3's importance-weighted options: the IWAE objective, Burda et al.'s learning-rate schedule,
// and the test log p(x) estimated during training. The step is `iwaeStep` in
// Sources/LatentModels/Steps/IWAEStep.swift; APPENDIX.md has the derivation and the long run.
import ArgumentParser
import Foundation
import Latent
import LatentData
import LatentModels

/// What training maximizes: the ELBO (`vaeStep`, KL in closed form) or the k-sample IWAE bound (`iwaeStep`).
enum TrainingObjective: String, ExpressibleByArgument, CaseIterable { case elbo, iwae }

/// The learning rate over the epochs.
enum LearningRateSchedule: String, ExpressibleByArgument, CaseIterable {
    /// --lr throughout.
    case constant
    /// Burda et al. 2016 (their code's rounding): stage i = 0…7 lasts 3^i epochs at
    /// lr = 1e-4 · round(10^(1 − i/7), 1 decimal), 3,280 epochs in all; after that, the last rate.
    /// Adam's ε is then 1e-4, theirs.
    case burda

    /// The learning rate of 1-based `epoch`.
    func lr(base: Float, epoch: Int) -> Float {
        guard self == .burda else { return base }
        let stage = LearningRateSchedule.burdaStage(epoch: epoch)
        return Float(1e-4 * (pow(10, 1 - Double(stage) / 7) * 10).rounded() / 10)
    }

    /// The stage i of Burda et al.'s schedule that 1-based `epoch` falls in (7 past the end).
    static func burdaStage(epoch: Int) -> Int {
        var end = 0
        for stage in 0...7 {
            end += Int(pow(3, Double(stage)))
            if epoch <= end { return stage }
        }
        return 7
    }
}

/// `--objective`, `--samples`, `--schedule`, `--eval-samples`, `--eval-images`, `--eval-every`.
struct IWAEOptions: ParsableArguments {
    @Option(help: "Training objective: elbo (vaeStep, KL in closed form) or iwae (the k-sample bound, iwaeStep; bce only).")
    var objective: TrainingObjective = .elbo
    @Option(parsing: .unconditional, help: "Samples k per image for --objective iwae, 1…5000 (k = 1: the ELBO with a sampled KL).")
    var samples: Int = 1
    @Option(help: "Learning rate: constant (--lr) or burda (1e-3·10^(−i/7) for 3^i epochs, i = 0…7, and Adam ε = 1e-4).")
    var schedule: LearningRateSchedule = .constant
    @Option(name: .customLong("eval-samples"), parsing: .unconditional,
            help: "Importance samples K for the test log p(x) recorded during training (0: none; bce only).")
    var evalSamples: Int = 0
    @Option(name: .customLong("eval-images"), parsing: .unconditional, help: "Test images for that log p(x) (default: all).")
    var evalImages: Int?
    @Option(name: .customLong("eval-every"), parsing: .unconditional,
            help: "Record that log p(x) every N epochs (and at the last epoch of each of Burda et al.'s stages).")
    var evalEvery: Int = 1
    @Option(help: "summary.json files of other runs whose test log p(x) curves join this run's log-px.svg (comma-separated).")
    var compare: String?

    init() {}

    func validate(likelihood: VAELikelihood, testImages: Int?) throws {
        guard (1...5000).contains(samples) else { throw ValidationError("--samples must be in 1…5000, got \(samples)") }
        if objective == .elbo && samples != 1 {
            throw ValidationError("--samples \(samples) needs --objective iwae (the ELBO step draws one sample per image)")
        }
        if objective == .iwae && likelihood != .bce { throw ValidationError("--objective iwae is written for a Bernoulli decoder: --likelihood bce") }
        guard (0...100_000).contains(evalSamples) else { throw ValidationError("--eval-samples must be in 0…100000, got \(evalSamples)") }
        if evalSamples > 0 && likelihood != .bce { throw ValidationError("--eval-samples needs a Bernoulli decoder (--likelihood bce)") }
        if let evalImages, evalImages < 1 { throw ValidationError("--eval-images must be at least 1, got \(evalImages)") }
        guard evalEvery >= 1 else { throw ValidationError("--eval-every must be at least 1, got \(evalEvery)") }
        _ = try comparedRuns()
    }

    /// `--compare`: (label, test log p(x) per epoch) of each named summary.json.
    func comparedRuns() throws -> [(label: String, values: [Double])] {
        guard let compare else { return [] }
        return try compare.split(separator: ",").map { item in
            let path = String(item)
            guard FileIO.fileExists(path) else { throw ValidationError("--compare \(path): no such file") }
            let text = String(decoding: try FileIO.readFile(path), as: UTF8.self)
            guard let summary = try? JSONValue(parsing: text), let values = summary["test_log_px_per_epoch"]?.doubles,
                  case let .string(objective)? = summary["config"]?["objective"], case let .number(k)? = summary["config"]?["samples"] else {
                throw ValidationError("--compare \(path): not the summary.json of a run with --eval-samples")
            }
            return (objective == "elbo" ? "VAE (ELBO)" : "IWAE k = \(Int(k))", values)
        }
    }

    /// The test log p(x) (nats per image, mean over the first --eval-images) with --eval-samples
    /// importance samples, at 1-based `epoch` when it is due, NaN otherwise. Its generator is fresh
    /// each time (seed 999): training's streams are untouched, so --resume stays bit-exact.
    func logPx(_ vae: VAE, _ testImages: Tensor, epoch: Int) -> Double {
        let stageEnd = LearningRateSchedule.burdaStage(epoch: epoch) != LearningRateSchedule.burdaStage(epoch: epoch + 1)
        guard epoch % evalEvery == 0 || epoch == 1 || stageEnd else { return .nan }
        let images = testImages.slice(0..<min(evalImages ?? testImages.shape[0], testImages.shape[0]))
        var random = SeededGenerator(seed: 999)
        let bar = ProgressBar(total: images.shape[0], label: "test log p(x), K=\(evalSamples)", unit: .items("img"))
        let logPx = vae.importanceWeightedLogLikelihood(images: images, samples: evalSamples, using: &random) { bar.update(step: $0) }
        bar.finish()
        return logPx.reduce(0, +) / Double(logPx.count)
    }

    /// The options as `summary.json` config entries.
    /// This run's name on the chart.
    var label: String { objective == .elbo ? "VAE (ELBO)" : "IWAE k = \(samples)" }

    var config: [(String, JSONValue)] {
        [("objective", .string(objective.rawValue)), ("samples", .number(Double(samples))), ("schedule", .string(schedule.rawValue)),
         ("eval_samples", .number(Double(evalSamples))), ("eval_every", .number(Double(evalEvery)))]
    }
}

/// Each pixel's mean over the training images, in [0, 1] (the start of Burda et al.'s decoder bias).
func pixelMeans(_ train: ImageSet) throws -> [Float] {
    let size = train.imageSize
    let pixels = try train.pixels
    var sums = [Double](repeating: 0, count: size)
    for image in 0..<train.count {
        for p in 0..<size { sums[p] += Double(pixels[image * size + p]) }
    }
    return sums.map { Float($0 / (255 * Double(max(train.count, 1)))) }
}

/// Test log p(x) against epochs, with Burda et al.'s Table 1 numbers (one stochastic layer) as lines.
/// Runs from `--compare` come after this one, each in the colour of its paper line when it is one of the three.
func logPxChart(_ history: TrainingHistory, label: String, others: [(label: String, values: [Double])], evalSamples: Int) -> LineChart {
    let runs = [(label, history["test_log_px"])] + others
    let last = Double(max(runs.map(\.1.count).max() ?? 2, 2))
    let paper: [(String, Double)] = [("VAE (ELBO)", -86.76), ("IWAE k = 5", -85.54), ("IWAE k = 50", -84.78)]
    func color(_ label: String, _ index: Int) -> String {
        chartPalette[paper.firstIndex { $0.0 == label } ?? (3 + index) % chartPalette.count]
    }
    let ours = runs.enumerated().map { index, run in
        ChartSeries(name: "ours: \(run.0)", points: run.1.indices.map { (x: Double($0 + 1), y: run.1[$0]) }.filter { $0.y.isFinite },
                    color: color(run.0, index))
    }
    let lines = paper.map { name, value in
        ChartSeries(name: "Burda et al. \(name): \(Format.fixed(value, 2))", points: [(1, value), (last, value)], color: color(name, 0), dashed: true)
    }
    return LineChart(title: "Test log p(x) (K = \(evalSamples) during training) and Burda et al. 2016, Table 1",
                     xLabel: "epoch", yLabel: "nats per image", series: ours + lines)
}
