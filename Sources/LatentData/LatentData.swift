// LatentData: files in, pictures out — the data and output layer every chapter uses. Three rooms:
//
// Codecs/    bytes in, arrays out, no Tensor: Zlib (gzip, raw deflate, deflate, CRC-32 over the system
//            zlib), IDXFile, ZIPArchive, PNG (writer and reader), JPEG/ (baseline and progressive
//            Huffman decoder, IDCT, upsampling), ResizeCrop (area resampling and centre crops), MD5.
// Datasets/  DataFolders (the one search order: --data, LATENT_DATA, the shared data, the cache, the
//            system), MNIST / FashionMNIST (verified download, Downloader), CelebA/ (lists, partition,
//            the decoded cache), ImageFolder/ (any folder of JPEGs and PNGs: ImagePreparation, the
//            path-hash split, the topped-up cache), ImageSet and the ImageDataset protocol, DatasetName and loadDataset (the
//            chapters' --dataset), DataLoader (seeded shuffling, last-batch policy, noise), Binarize.
// Output/    makeGrid / saveImage / writeGrid / enlarged, Charts/ (LineChart, ChartStack, BarChart,
//            ScatterPlot: hand-written SVG), ProgressBar, RunFolder (a run's folder, summary.json),
//            Checkpoint (safetensors with PyTorch names over Latent's SafeTensors), Interrupt (Ctrl-C),
//            Stopwatch, Format.
// FileIO (whole-file reads, atomic writes) is shared by all three.
import Latent
