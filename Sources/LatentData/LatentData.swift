// LatentData: files in, pictures out — the data and output layer every chapter uses.
//
// In:  Zlib (gzip, raw deflate, deflate, CRC-32 over the system zlib), FileIO (whole-file reads,
//      atomic writes), IDXFile, MNIST / FashionMNIST (search order, verified download), ImageSet and
//      the ImageDataset protocol, DataLoader (seeded shuffling, last-batch policy, noise), Binarize.
// Out: PNG (writer and reader), makeGrid / saveImage, LineChart / BarChart / ScatterPlot (SVG),
//      ProgressBar, RunFolder (runs/<name>/ with summary.json).
import Latent
