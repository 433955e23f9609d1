package dev.myelin.data.io;

import dev.myelin.core.DType;
import dev.myelin.core.Tensor;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files, the format of MNIST (plain or gzip, detected from the first bytes). The header
 * is two zero bytes, a type code (0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int,
 * 0x0D float, 0x0E double), the number of dimensions, then each dimension as a big-endian int.
 *
 * <pre>{@code Tensor images = Idx.read(Path.of("train-images-idx3-ubyte.gz")); // uint8 (60000, 28, 28)}</pre>
 *
 * Unsigned and signed bytes come back as uint8/int8 tensors, shorts and ints as int32, floats and
 * doubles as float32.
 */
public final class Idx {
    private Idx() {}

    /** The header of an IDX file. */
    public record Header(int typeCode, int[] dims) {}

    public static Tensor read(Path path) throws IOException {
        try (InputStream raw = open(path); DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            Header h = readHeader(path, in);
            long n = 1;
            for (int d : h.dims) n *= d;
            if (n > Integer.MAX_VALUE - 16) throw new IOException(path + ": IDX file holds " + n + " elements, too many for one tensor");
            int count = (int) n;
            long offset = 4 + 4L * h.dims.length;
            try {
                return switch (h.typeCode) {
                    case 0x08, 0x09 -> {
                        byte[] b = new byte[count];
                        in.readFully(b);
                        yield Tensor.ofBytes(b, h.typeCode == 0x08 ? DType.UINT8 : DType.INT8, h.dims);
                    }
                    case 0x0B -> {
                        int[] v = new int[count];
                        for (int i = 0; i < count; i++) v[i] = in.readShort();
                        yield Tensor.ofInts(v, h.dims);
                    }
                    case 0x0C -> {
                        int[] v = new int[count];
                        for (int i = 0; i < count; i++) v[i] = in.readInt();
                        yield Tensor.ofInts(v, h.dims);
                    }
                    case 0x0D -> {
                        float[] v = new float[count];
                        for (int i = 0; i < count; i++) v[i] = in.readFloat();
                        yield Tensor.of(v, h.dims);
                    }
                    case 0x0E -> {
                        float[] v = new float[count];
                        for (int i = 0; i < count; i++) v[i] = (float) in.readDouble();
                        yield Tensor.of(v, h.dims);
                    }
                    default -> throw new AssertionError();
                };
            } catch (EOFException e) {
                throw new IOException(path + ": truncated IDX file: the header (at byte 0) promises " + count + " elements of type 0x"
                        + Integer.toHexString(h.typeCode) + " after byte " + offset + ", but the data ends early", e);
            }
        }
    }

    /** Reads only the header (the type code and dimensions). */
    public static Header readHeader(Path path) throws IOException {
        try (InputStream raw = open(path); DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            return readHeader(path, in);
        }
    }

    private static Header readHeader(Path path, DataInputStream in) throws IOException {
        try {
            int magic = in.readInt();
            int zero = magic >>> 16, type = (magic >>> 8) & 0xFF, rank = magic & 0xFF;
            if (zero != 0) {
                throw new IOException(path + ": not an IDX file: byte 0-1 should be 0x0000, found 0x" + Integer.toHexString(zero));
            }
            if (type != 0x08 && type != 0x09 && type != 0x0B && type != 0x0C && type != 0x0D && type != 0x0E) {
                throw new IOException(path + ": not an IDX file: byte 2 is type code 0x" + Integer.toHexString(type)
                        + ", expected one of 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E");
            }
            if (rank == 0) throw new IOException(path + ": IDX header at byte 3 declares 0 dimensions");
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) throw new IOException(path + ": IDX dimension " + i + " (byte " + (4 + 4 * i) + ") is negative: " + dims[i]);
            }
            return new Header(type, dims);
        } catch (EOFException e) {
            throw new IOException(path + ": truncated IDX file: the header ends early", e);
        }
    }

    private static InputStream open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new java.io.FileNotFoundException(path + ": no such file");
        InputStream in = new BufferedInputStream(Files.newInputStream(path));
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) return new GZIPInputStream(in, 1 << 16);
        return in;
    }
}
