/// One picture file → the bytes a model takes: decode (JPEG, baseline or progressive, or PNG, told
/// apart by their first bytes, not by the file name), convert to 1 or 3 channels, resize the shorter
/// side to S and crop the centre S×S (torchvision's `Resize(S)` + `CenterCrop(S)`, as for CelebA).
///
/// The same function prepares a folder's images for training (`ImageFolder`) and a single photo for
/// a trained model (`vae --encode`), so both see pictures made the same way.
public enum ImagePreparation {
    /// Why a file could not be used.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The file is empty.
        case empty
        /// The first bytes are neither a JPEG's (FF D8) nor a PNG's signature.
        case notAnImage(firstBytes: [UInt8])
        /// The decoder refused the file.
        case undecodable(String)

        public var description: String {
            switch self {
            case .empty: return "empty file"
            case .notAnImage(let bytes):
                return "not a JPEG or PNG (starts with \(bytes.map { hex($0) }.joined(separator: " ")))"
            case .undecodable(let reason): return reason
            }
        }

        private func hex(_ byte: UInt8) -> String {
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }
    }

    /// A decoded picture, planar: `planes` × height × width bytes (1 plane gray, 3 planes RGB).
    public struct Planes: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var planes: Int
        public var pixels: [UInt8]
    }

    /// Decodes `bytes` (JPEG or PNG) into gray or RGB planes; PNG alpha is dropped (as PIL's
    /// `convert("RGB")`, which torchvision's folder loader uses, does).
    public static func decode(_ bytes: [UInt8]) throws -> Planes {
        guard !bytes.isEmpty else { throw Failure.empty }
        if bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8 {
            do {
                let image = try JPEGDecoder().decode(bytes)
                return Planes(width: image.width, height: image.height, planes: image.channels, pixels: image.pixels)
            } catch {
                throw Failure.undecodable("JPEG: \(error)")
            }
        }
        if bytes.count >= 8 && Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
            let image: PNGImage
            do { image = try PNG.decode(bytes, file: "PNG") } catch { throw Failure.undecodable("\(error)") }
            let colour = image.channels >= 3
            let planes = colour ? 3 : 1
            let area = image.width * image.height
            var pixels = [UInt8](repeating: 0, count: planes * area)
            let stride = image.channels
            image.pixels.withUnsafeBufferPointer { src in
                pixels.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<planes {
                        for i in 0..<area { dst[c * area + i] = src[i * stride + c] }
                    }
                }
            }
            return Planes(width: image.width, height: image.height, planes: planes, pixels: pixels)
        }
        throw Failure.notAnImage(firstBytes: Array(bytes.prefix(4)))
    }

    /// Gray from RGB planes: L = (299 R + 587 G + 114 B) / 1000, rounded (ITU-R 601, PIL's `convert("L")`).
    public static func luma(_ image: Planes) -> Planes {
        guard image.planes == 3 else { return image }
        let area = image.width * image.height
        var gray = [UInt8](repeating: 0, count: area)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<area {
                let sum = 299 * Int(p[i]) + 587 * Int(p[area + i]) + 114 * Int(p[2 * area + i])
                gray[i] = UInt8((sum + 500) / 1000)
            }
        }
        return Planes(width: image.width, height: image.height, planes: 1, pixels: gray)
    }

    /// `image` resized (shorter side to `size`) and centre-cropped to `channels` × size × size bytes:
    /// RGB to gray by `luma`, gray to RGB by repeating the plane.
    public static func resizeCrop(_ image: Planes, size: Int, channels: Int) -> [UInt8] {
        precondition(channels == 1 || channels == 3, "ImagePreparation: channels must be 1 or 3, got \(channels)")
        let source = channels == 1 ? luma(image) : image
        let transform = ResizeCenterCrop(width: source.width, height: source.height, size: size)
        let plane = size * size
        var output = [UInt8](repeating: 0, count: channels * plane)
        var scratch = [UInt8](repeating: 0, count: source.height * size)
        source.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { tmp in
                    for c in 0..<channels {
                        let from = min(c, source.planes - 1)
                        transform.apply(plane: src.baseAddress! + from * source.width * source.height,
                                        into: dst.baseAddress! + c * plane, scratch: tmp.baseAddress!)
                    }
                }
            }
        }
        return output
    }

    /// A picture file's bytes → `channels` × `size` × `size` bytes, ready for an `ImageSet`.
    public static func prepare(_ bytes: [UInt8], size: Int, channels: Int) throws -> [UInt8] {
        resizeCrop(try decode(bytes), size: size, channels: channels)
    }

    /// The file at `path`, prepared (errors name the file).
    public static func prepare(file path: String, size: Int, channels: Int) throws -> [UInt8] {
        do {
            return try prepare(try FileIO.readFile(path), size: size, channels: channels)
        } catch let failure as Failure {
            throw ImageFolderError.unreadable(file: path, reason: failure.description)
        }
    }
}
