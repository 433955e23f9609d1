package dev.myelin.data;

import dev.myelin.core.Tensor;
import dev.myelin.data.io.Idx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The MNIST digits from the IDX files that {@code scripts/datasets mnist} installs: 60,000
 * training and 10,000 test images of 28x28 grey pixels, scaled to [0, 1] as float32 in
 * channels-last shape (n, 28, 28, 1), with int64 labels 0-9.
 *
 * <pre>{@code Mnist m = Mnist.load(Mnist.defaultDir()); model.fit(m.trainImages(), m.trainLabels(), ...);}</pre>
 */
public record Mnist(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels) {

    /** $MYELIN_DATA/mnist, else ~/.cache/myelin/datasets/mnist (where scripts/datasets puts it). */
    public static Path defaultDir() {
        return Datasets.cacheDir().resolve("mnist");
    }

    public static Mnist load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new java.io.FileNotFoundException(dir + ": no MNIST folder; run scripts/datasets mnist (or myelin datasets mnist) to fetch it");
        }
        return new Mnist(images(dir.resolve("train-images-idx3-ubyte")), labels(dir.resolve("train-labels-idx1-ubyte")),
                images(dir.resolve("t10k-images-idx3-ubyte")), labels(dir.resolve("t10k-labels-idx1-ubyte")));
    }

    /** uint8 (n, 28, 28) to float32 (n, 28, 28, 1) in [0, 1]. */
    static Tensor images(Path p) throws IOException {
        Tensor raw = resolveGz(p);
        int[] s = raw.shape();
        if (s.length != 3) throw new IOException(p + ": expected images of shape (n, rows, cols), got " + dev.myelin.core.Shape.format(s));
        byte[] b = raw.byteData();
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = (b[i] & 0xFF) / 255f;
        return Tensor.wrap(f, s[0], s[1], s[2], 1);
    }

    static Tensor labels(Path p) throws IOException {
        Tensor raw = resolveGz(p);
        if (raw.rank() != 1) throw new IOException(p + ": expected labels of shape (n,), got " + dev.myelin.core.Shape.format(raw.shape()));
        return raw.to(dev.myelin.core.DType.INT64);
    }

    private static Tensor resolveGz(Path p) throws IOException {
        if (!Files.exists(p)) {
            Path gz = p.resolveSibling(p.getFileName() + ".gz");
            if (Files.exists(gz)) return Idx.read(gz);
        }
        return Idx.read(p);
    }
}
