import Foundation

/// The datasets the chapters train on, by the names `--dataset` takes.
///
/// A chapter makes it a command-line option with one line, `extension DatasetName: ExpressibleByArgument {}`
/// (ArgumentParser fills in the rest from the raw values).
public enum DatasetName: String, CaseIterable, Sendable {
    /// MNIST digits, 28×28 grayscale.
    case mnist
    /// Fashion-MNIST clothes, 28×28 grayscale.
    case fashionMNIST = "fashion-mnist"
    /// CelebA faces, cropped and resized to 64×64 RGB.
    case celeba
    /// Any folder of JPEG and PNG pictures (`--data`), resized and cropped to S×S (`ImageFolder`).
    case images
}

/// The training and test images of `name` as byte sets (pixels become Floats when batched): MNIST and
/// Fashion-MNIST with their labels, CelebA's training and test splits (64×64 crops, read from the
/// decoded cache file batch by batch) without.
///
/// The files are found in the folders `DataFolders.search` lists: `explicitPath` alone when given.
/// `.images` reads the folder `explicitPath` (required) at `size`×`size` with `channels` channels.
public func loadDataset(_ name: DatasetName, from explicitPath: String?, size: Int = 64, channels: Int = 3) throws
    -> (train: ImageSet, test: ImageSet)
{
    let folder = explicitPath
    switch name {
    case .mnist:
        let data = try MNIST.load(from: folder)
        return (data.train, data.test)
    case .fashionMNIST:
        let data = try FashionMNIST.load(from: folder)
        return (data.train, data.test)
    case .celeba:
        let data = try CelebA.load(from: folder)
        return (data.train.images, data.test.images)
    case .images:
        guard let folder else { throw ImageFolderError.notAFolder("(none given)") }
        let data = try ImageFolder.load(from: folder, size: size, channels: channels)
        return (data.train, data.test)
    }
}
