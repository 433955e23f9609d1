package dev.myelin.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A byte range [start, start + length) of a file, read front to back; every byte read can feed a
 * CRC-32C. Reading past the range's end is a truncation error that gives the byte offset.
 */
final class Region {
    private final FileChannel channel;
    private final Path file;
    private final long start, length;
    private final String what;
    private final CRC32C crc;
    private long pos;

    /** {@code what} names the range in messages ("section 'WGTS'", "the file"); {@code crc} may be null. */
    Region(FileChannel channel, Path file, long start, long length, String what, CRC32C crc) {
        this.channel = channel;
        this.file = file;
        this.start = start;
        this.length = length;
        this.what = what;
        this.crc = crc;
    }

    Path file() {
        return file;
    }

    /** Bytes consumed so far. */
    long position() {
        return pos;
    }

    long remaining() {
        return length - pos;
    }

    /** Absolute file offset of the next byte. */
    long fileOffset() {
        return start + pos;
    }

    long start() {
        return start;
    }

    long length() {
        return length;
    }

    String what() {
        return what;
    }

    /** Fills {@code dst} from the region; {@code need} names what is being read, for messages. */
    void readFully(ByteBuffer dst, String need) throws IOException {
        int n = dst.remaining();
        if (n > remaining()) {
            throw new ModelFileException(file, "truncated: " + need + " needs bytes up to offset " + (fileOffset() + n)
                    + ", but " + what + " ends at byte offset " + (start + length));
        }
        int from = dst.position();
        while (dst.hasRemaining()) {
            int r = channel.read(dst, start + pos + (dst.position() - from));
            if (r < 0) {
                throw new ModelFileException(file, "truncated at byte offset " + (start + pos + (dst.position() - from))
                        + " while reading " + need + " (the file got shorter while it was being read)");
            }
        }
        if (crc != null) {
            ByteBuffer view = dst.duplicate();
            view.position(from).limit(from + n);
            crc.update(view);
        }
        pos += n;
    }

    /** Reads the next {@code n} bytes into a new array. */
    byte[] readBytes(int n, String need) throws IOException {
        byte[] b = new byte[n];
        readFully(ByteBuffer.wrap(b), need);
        return b;
    }
}
