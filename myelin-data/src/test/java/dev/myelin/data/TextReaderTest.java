package dev.myelin.data;

import dev.myelin.data.io.JsonLines;
import dev.myelin.data.io.TextFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TextReaderTest {

    @Test
    void tinyShakespeare() throws IOException {
        Path p = CsvReaderTest.requireShared("tinyshakespeare/input.txt");
        String text = TextFiles.read(p);
        assertEquals(1_115_394, text.length());
        List<String> lines = TextFiles.lines(p);
        assertEquals(40_000, lines.size()); // python: len(text.splitlines())
        assertEquals("First Citizen:", lines.getFirst());
    }

    @Test
    void lineEndingsAndByteOrderMark(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("t.txt");
        Files.write(p, "\uFEFFone\r\ntwo\rthree\n\nfive\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("one", "two", "three", "", "five"), TextFiles.lines(p));
        Files.writeString(p, "no newline at the end");
        assertEquals(List.of("no newline at the end"), TextFiles.lines(p));
        Files.writeString(p, "");
        assertEquals(List.of(), TextFiles.lines(p));
        Files.writeString(p, "h\u00e9llo \u4e16\u754c \uD83D\uDE00\n");
        assertEquals(List.of("h\u00e9llo \u4e16\u754c \uD83D\uDE00"), TextFiles.lines(p));
    }

    @Test
    void invalidUtf8NamesTheLineAndByte(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("bad.txt");
        // Line 3 holds a lone continuation byte 0x80 at byte 10 ("ok\r\nfine\n" is 9 bytes, then "x").
        Files.write(p, new byte[]{'o', 'k', '\r', '\n', 'f', 'i', 'n', 'e', '\n', 'x', (byte) 0x80, 'y', '\n'});
        var e = assertThrows(IOException.class, () -> TextFiles.lines(p));
        assertEquals(p + ": line 3 (byte 10): invalid UTF-8 (0x80); expected UTF-8 text (re-encode the file, e.g. iconv -f latin1 -t utf-8)",
                e.getMessage());
        // A multi-byte sequence cut short by the end of the file.
        Files.write(p, new byte[]{'a', '\n', (byte) 0xE4, (byte) 0xB8});
        var e2 = assertThrows(IOException.class, () -> TextFiles.read(p));
        assertTrue(e2.getMessage().contains("line 2 (byte 2): invalid UTF-8 (0xE4 0xB8)"), e2.getMessage());
        assertThrows(java.io.FileNotFoundException.class, () -> TextFiles.read(dir.resolve("none.txt")));
    }

    @Test
    void jsonLines(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("d.jsonl");
        Files.writeString(p, "{\"text\": \"caf\u00e9\", \"label\": 1, \"score\": 0.5}\n\n"
                + "{\"text\": \"b\", \"label\": 0, \"tags\": [\"x\", \"y\"], \"meta\": {\"ok\": true, \"n\": null}}\r\n");
        List<Map<String, Object>> recs = JsonLines.read(p);
        assertEquals(2, recs.size());
        assertEquals("caf\u00e9", recs.get(0).get("text"));
        assertEquals(1, recs.get(0).get("label"));
        assertEquals(0.5, recs.get(0).get("score"));
        assertEquals(List.of("text", "label", "score"), List.copyOf(recs.get(0).keySet())); // file order kept
        assertEquals(List.of("x", "y"), recs.get(1).get("tags"));
        assertEquals(true, ((Map<?, ?>) recs.get(1).get("meta")).get("ok"));
        assertTrue(((Map<?, ?>) recs.get(1).get("meta")).containsKey("n"));
    }

    @Test
    void jsonLinesErrorsNameTheLine(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("e.jsonl");
        Files.writeString(p, "{\"a\": 1}\n{\"a\": 2,, \"b\": 3}\n");
        var e = assertThrows(IOException.class, () -> JsonLines.read(p));
        assertTrue(e.getMessage().startsWith(p + ": line 2, column 9: invalid JSON"), e.getMessage());

        Files.writeString(p, "{\"a\": 1}\n[1, 2]\n");
        var e2 = assertThrows(IOException.class, () -> JsonLines.read(p));
        assertEquals(p + ": line 2: expected a JSON object {...}, found an array", e2.getMessage());

        Files.writeString(p, "{\"a\": 1} {\"a\": 2}\n");
        var e3 = assertThrows(IOException.class, () -> JsonLines.read(p));
        assertTrue(e3.getMessage().contains("line 1, column 10: expected the end of the line after the JSON object"), e3.getMessage());

        Files.writeString(p, "\n\n{\"a\": 1, \"a\": 2}\n");
        var e4 = assertThrows(IOException.class, () -> JsonLines.read(p));
        assertTrue(e4.getMessage().startsWith(p + ": line 3"), e4.getMessage());
        assertTrue(e4.getMessage().toLowerCase().contains("duplicate"), e4.getMessage());

        Files.writeString(p, "{\"a\": \"unterminated}\n");
        var e5 = assertThrows(IOException.class, () -> JsonLines.read(p));
        assertTrue(e5.getMessage().startsWith(p + ": line 1"), e5.getMessage());
    }
}
