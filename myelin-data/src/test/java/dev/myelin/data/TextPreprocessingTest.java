package dev.myelin.data;

import dev.myelin.core.Tensor;
import dev.myelin.data.text.Sequences;
import dev.myelin.data.text.TextPreprocessing;
import dev.myelin.data.text.WordTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Text preprocessing saved beside a model reads back and tokenizes exactly as the training code did. */
class TextPreprocessingTest {
    static final List<String> TEXTS = List.of("A good film.<br />Very good!", "a bad, bad film", "good good good bad");

    @Test
    void savedFormReadsBackAndMatchesTokenizerThenPad(@TempDir Path dir) throws Exception {
        WordTokenizer tok = WordTokenizer.builder().numWords(5).fit(TEXTS);
        TextPreprocessing prep = new TextPreprocessing(tok, "vocab.json", 4, Sequences.Side.PRE, Sequences.Side.POST, Pattern.compile("<br\\s*/?>"));
        tok.save(dir.resolve("vocab.json"));
        Map<String, Object> saved = prep.toMap();
        assertEquals(Map.of("tokenizer", "vocab.json", "maxlen", 4, "padding", "pre", "truncating", "post", "strip", "<br\\s*/?>"), saved);

        TextPreprocessing back = TextPreprocessing.fromMap(saved, dir);
        List<String> texts = List.of("Good film<BR/>bad", "unknown words only here and there", "");
        // what a training script does by hand: strip, tokenize, pad
        List<String> stripped = texts.stream().map(t -> t.replaceAll("(?i)<br\\s*/?>", " ")).toList();
        Tensor expected = Sequences.pad(tok.textsToSequences(stripped), 4, Sequences.Side.PRE, Sequences.Side.POST);
        assertArrayEquals(expected.toLongArray(), back.apply(texts).toLongArray());
        assertArrayEquals(expected.toLongArray(), back.ids(texts));
        assertArrayEquals(new int[]{3, 4}, back.apply(texts).shape());
        assertEquals(0, back.ids(texts)[8], "the empty text is all padding");
    }

    @Test
    void badSavedFormsAreRefusedClearly(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextPreprocessing.fromMap(Map.of("tokenizer", "../vocab.json", "maxlen", 4), dir));
        assertTrue(e.getMessage().contains("no folders"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TextPreprocessing.fromMap(Map.of("tokenizer", "vocab.json", "maxlen", 0), dir));
        assertTrue(e.getMessage().contains("maxlen"), e.getMessage());
        assertThrows(java.io.IOException.class, () -> TextPreprocessing.fromMap(Map.of("tokenizer", "missing.json", "maxlen", 3), dir));
    }
}
