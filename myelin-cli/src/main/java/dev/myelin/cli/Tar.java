package dev.myelin.cli;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the regular files of a tar stream (ustar, with pax and GNU long names), as npm writes its
 * package tarballs. Only reads: the caller decides where, if anywhere, each entry goes.
 *
 * <pre>{@code try (var in = new GZIPInputStream(Files.newInputStream(tgz))) { Tar.read(in, (name, size, data) -> ...); }}</pre>
 *
 * Header (512 bytes): name 0..99, size 124..135 (octal, or base-256 when the first byte has its
 * high bit set), type 156, magic "ustar" 257..262, prefix 345..499; data follows, padded to 512.
 */
final class Tar {
    private Tar() {}

    private static final int BLOCK = 512;

    interface EntryHandler {
        /** One regular file; {@code data} holds exactly its {@code size} bytes and need not be read to the end. */
        void entry(String name, long size, InputStream data) throws IOException;
    }

    static void read(InputStream in, EntryHandler handler) throws IOException {
        byte[] header = new byte[BLOCK];
        String longName = null;   // from a pax 'x' or GNU 'L' entry, for the next entry only
        while (true) {
            if (!readBlock(in, header)) return;   // end of the stream without the end marker: accept, as tar does
            if (isZero(header)) return;            // the end-of-archive marker
            long size = size(header);
            char type = (char) header[156];
            String name = longName != null ? longName : name(header);
            longName = null;
            switch (type) {
                case 'x' -> longName = paxPath(readFully(in, size));
                case 'L' -> longName = cString(readFully(in, size), 0, (int) size);
                case '0', '\0', '7' -> {
                    Bounded data = new Bounded(in, size);
                    handler.entry(name, size, data);
                    data.skipRest();
                }
                default -> skip(in, size);   // folders, links, global pax headers
            }
            skip(in, padding(size));
        }
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) return false;
        if (n < BLOCK) throw new EOFException("truncated tar stream: a header block of " + n + " bytes, expected " + BLOCK);
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static long size(byte[] h) throws IOException {
        if ((h[124] & 0x80) != 0) {   // base-256, for sizes of 8 GiB and more
            long v = h[124] & 0x7F;
            for (int i = 125; i < 136; i++) v = (v << 8) | (h[i] & 0xFF);
            return v;
        }
        String s = cString(h, 124, 12).trim();
        if (s.isEmpty()) return 0;
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException("not a tar stream: the size field of a header is '" + s + "', expected octal digits");
        }
    }

    private static String cString(byte[] b, int from, int max) {
        int end = from;
        while (end < from + max && end < b.length && b[end] != 0) end++;
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    /** The "path" of pax records "LEN key=value\n". */
    private static String paxPath(byte[] records) {
        int i = 0;
        while (i < records.length) {
            int sp = i;
            while (sp < records.length && records[sp] != ' ') sp++;
            int len;
            try {
                len = Integer.parseInt(new String(records, i, sp - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return null;
            }
            if (len <= 0 || i + len > records.length) return null;
            String rec = new String(records, sp + 1, i + len - sp - 2, StandardCharsets.UTF_8);
            if (rec.startsWith("path=")) return rec.substring(5);
            i += len;
        }
        return null;
    }

    private static byte[] readFully(InputStream in, long size) throws IOException {
        if (size > 1 << 20) throw new IOException("tar extended header of " + size + " bytes; expected a small one");
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) throw new EOFException("truncated tar stream");
        return b;
    }

    private static void skip(InputStream in, long n) throws IOException {
        in.skipNBytes(n);
    }

    /** The entry's bytes and no more. */
    private static final class Bounded extends FilterInputStream {
        private long left;

        Bounded(InputStream in, long size) {
            super(in);
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = super.read();
            if (b < 0) throw new EOFException("truncated tar stream");
            left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new EOFException("truncated tar stream");
            left -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(Math.min(n, left));
            left -= s;
            return s;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), left);
        }

        @Override
        public void close() {
            // the tar stream stays open for the next entry
        }

        void skipRest() throws IOException {
            in.skipNBytes(left);
            left = 0;
        }
    }
}
