package dev.myelin.data.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * UTF-8 text files read strictly: a byte sequence that is not UTF-8 is an error naming the file,
 * the line and the byte offset, never a silent replacement character. A leading byte-order mark
 * is dropped.
 *
 * <pre>{@code List<String> lines = TextFiles.lines(Path.of("input.txt"));}</pre>
 *
 * Lines end at {@code \n}, {@code \r\n} or a lone {@code \r}; the terminators are not part of the
 * lines, and a final terminator does not add an empty line (as {@link Files#readAllLines}).
 */
public final class TextFiles {
    private TextFiles() {}

    /** The whole file as one string. */
    public static String read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FileNotFoundException(path + ": no such file");
        return decode(path, Files.readAllBytes(path));
    }

    /** The file's lines, without their terminators. */
    public static List<String> lines(Path path) throws IOException {
        return splitLines(read(path));
    }

    /** Splits text at {@code \n}, {@code \r\n} and lone {@code \r}; a final terminator adds no empty line. */
    public static List<String> splitLines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0, n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(text.substring(start, i));
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < n) out.add(text.substring(start));
        return out;
    }

    /**
     * Decodes UTF-8 bytes; an invalid sequence is an IOException with the path, the 1-based line
     * and the byte offset. Drops a leading byte-order mark (EF BB BF).
     */
    public static String decode(Path path, byte[] bytes) throws IOException {
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        // UTF-8 never needs more chars than bytes.
        CharBuffer out = CharBuffer.allocate(bytes.length - start);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) r = dec.flush(out);
        if (r.isError()) {
            int at = in.position();
            StringBuilder hex = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + r.length()); i++) {
                hex.append(hex.isEmpty() ? "" : " ").append(String.format("0x%02X", bytes[i] & 0xFF));
            }
            throw new IOException(path + ": line " + lineAt(bytes, at) + " (byte " + at + "): invalid UTF-8 (" + hex
                    + "); expected UTF-8 text (re-encode the file, e.g. iconv -f latin1 -t utf-8)");
        }
        out.flip();
        return out.toString();
    }

    /** The 1-based line holding byte {@code offset}, counting \n, \r\n and lone \r as line ends. */
    static int lineAt(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < bytes.length; i++) {
            if (bytes[i] == '\n') line++;
            else if (bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n')) line++;
        }
        return line;
    }
}
