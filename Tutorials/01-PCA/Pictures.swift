// The pictures the chapter writes: eigenimages, reconstruction rows and the explained-variance curve.

import Latent
import LatentData
import LatentModels

extension PCAChapter {
    /// mean.png: the mean image μ, the point every reconstruction starts from.
    func writeMeanImage(pca: PCA, imageShape: [Int], to path: String) throws {
        try saveImage(enlarged(pca.mean.reshaped([1] + imageShape)), to: path)
    }

    /// components.png: the top `count` components as images, 8 per row, largest variance first.
    ///
    /// A component is a direction, not an image: its entries are positive and negative with unit norm.
    /// Each is shown as 0.5 + v / (2 max|v|): mid-gray is 0, light is positive, dark is negative.
    func writeComponentImages(pca: PCA, count: Int, imageShape: [Int], to path: String) throws {
        var tiles = [Tensor]()
        let components = pca.components(count)
        for i in 0..<count {
            let v = components.slice(i..<(i + 1))
            let scale = 0.5 / Swift.max(v.max(), -v.min(), 1e-12)
            tiles.append((v * scale + 0.5).reshaped([1] + imageShape))
        }
        try saveImage(enlarged(concatBatch(tiles)), to: path, nrow: 8, padding: 2, padValue: 1)
    }

    /// reconstructions.png: one row per entry of `rows` (each [n, D]: the originals, then k = 2, 8, …).
    func writeImageRows(_ rows: [Tensor], imageShape: [Int], to path: String) throws {
        let perRow = rows[0].shape[0]
        let images = concatBatch(rows).reshaped([-1] + imageShape)
        // Reconstructions can leave [0, 1] slightly; clamp as any image viewer would.
        let clamped = images.map(vector: { $0.clamped(lowerBound: SIMD16(repeating: 0), upperBound: SIMD16(repeating: 1)) },
                                 scalar: { Swift.min(Swift.max($0, 0), 1) })
        try saveImage(enlarged(clamped), to: path, nrow: perRow, padding: 2, padValue: 1)
    }

    /// Images smaller than 64 pixels (MNIST's 28) blown up by pixel repetition so a viewer shows them
    /// large enough to judge: [N, C, H, W] → [N, C, sH, sW] with s = ⌈64 / H⌉ (1 for 64×64 faces).
    func enlarged(_ images: Tensor) -> Tensor {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let s = Swift.max(1, (64 + h - 1) / h)
        if s == 1 { return images }
        return Tensor(shape: [n, c, h * s, w * s]) { out in
            images.withUnsafeBufferPointer { x in
                for plane in 0..<(n * c) {
                    for y in 0..<(h * s) {
                        for xx in 0..<(w * s) {
                            out[(plane * h * s + y) * w * s + xx] = x[(plane * h + y / s) * w + xx / s]
                        }
                    }
                }
            }
        }
    }

    /// explained_variance.svg: the share of the total variance kept by the first k components.
    func writeExplainedVarianceChart(cumulative: [Double], to path: String) throws {
        // The first 256 k's hold the interesting part (MNIST reaches 97 % by then).
        let points = cumulative.prefix(256).enumerated().map { (x: Double($0.offset + 1), y: 100 * $0.element) }
        let chart = LineChart(
            title: "\(dataset.rawValue): variance explained by the first k principal components",
            xLabel: "k (components kept)", yLabel: "cumulative explained variance (%)",
            series: [ChartSeries(name: "kept", points: points)])
        try chart.write(to: path)
    }
}
