// The pictures the chapter draws: eigenimages, reconstruction rows and the explained-variance curve.
// main.swift writes them into the run folder.

import Latent
import LatentData
import LatentModels

extension PCAChapter {
    /// The top `count` components as images [count, C, H, W], largest variance first.
    ///
    /// A component is a direction, not an image: its entries are positive and negative with unit norm.
    /// Each is shown as 0.5 + v / (2 max|v|): mid-gray is 0, light is positive, dark is negative.
    func componentImages(_ pca: PCA, count: Int, imageShape: [Int]) -> Tensor {
        var tiles = [Tensor]()
        let components = pca.components(count)
        for i in 0..<count {
            let v = components.slice(i..<(i + 1))
            let scale = 0.5 / Swift.max(v.max(), -v.min(), 1e-12)
            tiles.append((v * scale + 0.5).reshaped([1] + imageShape))
        }
        return enlarged(concatBatch(tiles))
    }

    /// Rows of images ([n, D] each: the originals, then k = 2, 8, …) stacked into [rows·n, C, H, W],
    /// clamped to [0, 1] (a reconstruction can overshoot slightly, as any viewer would clip).
    func reconstructionImages(_ rows: [Tensor], imageShape: [Int]) -> Tensor {
        let images = concatBatch(rows).reshaped([-1] + imageShape)
        let clamped = images.map(vector: { $0.clamped(lowerBound: SIMD16(repeating: 0), upperBound: SIMD16(repeating: 1)) },
                                 scalar: { Swift.min(Swift.max($0, 0), 1) })
        return enlarged(clamped)
    }

    /// The share of the total variance kept by the first k components, against k (the first 256 k's
    /// hold the interesting part: MNIST reaches 97 % by then).
    func explainedVarianceChart(cumulative: [Double]) -> LineChart {
        let points = cumulative.prefix(256).enumerated().map { (x: Double($0.offset + 1), y: 100 * $0.element) }
        return LineChart(
            title: "\((data.dataset ?? .mnist).rawValue): variance explained by the first k principal components",
            xLabel: "k (components kept)", yLabel: "cumulative explained variance (%)",
            series: [ChartSeries(name: "kept", points: points)])
    }
}
