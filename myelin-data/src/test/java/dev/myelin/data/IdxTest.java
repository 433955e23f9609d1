package dev.myelin.data;

import dev.myelin.core.DType;
import dev.myelin.core.Tensor;
import dev.myelin.data.io.Idx;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class IdxTest {

    static byte[] idx(int type, int[] dims, byte[] payload) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeInt((type << 8) | dims.length);
        for (int d : dims) out.writeInt(d);
        out.write(payload);
        return bos.toByteArray();
    }

    @Test
    void readsPlainAndGzip(@TempDir Path dir) throws IOException {
        byte[] file = idx(0x08, new int[]{2, 3}, new byte[]{0, 1, 2, (byte) 253, (byte) 254, (byte) 255});
        Path plain = dir.resolve("a-idx2-ubyte");
        Files.write(plain, file);
        Path gz = dir.resolve("a-idx2-ubyte.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(file);
        }
        for (Path p : new Path[]{plain, gz}) {
            Tensor t = Idx.read(p);
            assertEquals(DType.UINT8, t.dtype());
            assertArrayEquals(new int[]{2, 3}, t.shape());
            assertArrayEquals(new float[]{0, 1, 2, 253, 254, 255}, t.toFloatArray());
        }
        Path floats = dir.resolve("f");
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        new DataOutputStream(p).writeFloat(1.5f);
        Files.write(floats, idx(0x0D, new int[]{1}, p.toByteArray()));
        assertEquals(1.5f, Idx.read(floats).get(0));
    }

    @Test
    void malformedFilesNameThePathAndTheProblem(@TempDir Path dir) throws IOException {
        Path trunc = dir.resolve("trunc");
        Files.write(trunc, idx(0x08, new int[]{10, 10}, new byte[50]));
        var e = assertThrows(IOException.class, () -> Idx.read(trunc));
        assertTrue(e.getMessage().contains(trunc.toString()) && e.getMessage().contains("truncated") && e.getMessage().contains("100 elements"), e.getMessage());
        Path bad = dir.resolve("bad");
        Files.write(bad, new byte[]{1, 2, 8, 1, 0, 0, 0, 1, 5});
        var b = assertThrows(IOException.class, () -> Idx.read(bad));
        assertTrue(b.getMessage().contains("not an IDX file"), b.getMessage());
        Path type = dir.resolve("type");
        Files.write(type, new byte[]{0, 0, 7, 1, 0, 0, 0, 1, 5});
        var t = assertThrows(IOException.class, () -> Idx.read(type));
        assertTrue(t.getMessage().contains("type code 0x7"), t.getMessage());
        assertThrows(java.io.FileNotFoundException.class, () -> Idx.read(dir.resolve("missing")));
    }

    @Test
    void realMnistHeadersAndCounts() throws IOException {
        Path dir = Mnist.defaultDir();
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("t10k-labels-idx1-ubyte")),
                "MNIST not installed at " + dir + "; run scripts/datasets mnist to include this test");
        assertArrayEquals(new int[]{60000, 28, 28}, Idx.readHeader(dir.resolve("train-images-idx3-ubyte")).dims());
        assertEquals(0x08, Idx.readHeader(dir.resolve("train-images-idx3-ubyte")).typeCode());
        assertArrayEquals(new int[]{60000}, Idx.readHeader(dir.resolve("train-labels-idx1-ubyte")).dims());
        Mnist m = Mnist.load(dir);
        assertArrayEquals(new int[]{10000, 28, 28, 1}, m.testImages().shape());
        assertArrayEquals(new int[]{10000}, m.testLabels().shape());
        // The first test digit is a 7 and the first training digit a 5 (LeCun's files).
        assertEquals(7L, m.testLabels().getLong(0));
        assertEquals(5L, m.trainLabels().getLong(0));
        assertTrue(m.trainImages().max().item() == 1f && m.trainImages().min().item() == 0f);
    }
}
