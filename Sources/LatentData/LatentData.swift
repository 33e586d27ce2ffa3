// LatentData: files in, pictures out — the data and output layer every chapter uses.
//
// In:  Zlib (gzip, raw deflate, deflate, CRC-32 over the system zlib), FileIO (whole-file reads,
//      atomic writes), IDXFile, MNIST / FashionMNIST (search order, verified download), ImageSet and
//      the ImageDataset protocol, DatasetName and loadDataset (the chapters' `--dataset`, with the
//      shared data folder), DataLoader (seeded shuffling, last-batch policy, noise), Binarize.
// Out: PNG (writer and reader), makeGrid / saveImage / writeGrid, LineChart / ChartStack / BarChart /
//      ScatterPlot (SVG), ProgressBar, RunFolder (runs/<name>/ with summary.json), Checkpoint (over
//      Latent's SafeTensors and JSONValue).
// Run: Stopwatch, Interrupt (Ctrl-C → checkpoint and stop).
import Latent
