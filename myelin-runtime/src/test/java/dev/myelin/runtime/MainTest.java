package dev.myelin.runtime;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @TempDir
    Path dir;
    Path model;
    Sequential m;

    @BeforeEach
    void saveModel() throws IOException {
        m = new Sequential(new InputLayer(3), new Dense(4, "relu"), new Dense(2, "softmax"));
        model = dir.resolve("m.myelin");
        m.save(model);
    }

    private record Out(int code, String stdout, String stderr) {}

    private Out run(String stdin, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Out(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void predictsStandardInputLineByLineSkippingCommentsAndBlanks() {
        Out o = run("# x0,x1,x2\n1,2,3\n\n 0.5, -1 ,2\n", model.toString());
        assertEquals(0, o.code, o.stderr);
        String[] lines = o.stdout.strip().split("\n");
        assertEquals(2, lines.length);
        float[] want = m.predict(Tensor.wrap(new float[]{1, 2, 3, 0.5f, -1, 2}, 2, 3)).toFloatArray();
        for (int i = 0; i < 2; i++) {
            String[] cells = lines[i].split(",");
            assertEquals(2, cells.length);
            for (int j = 0; j < 2; j++) assertEquals(want[i * 2 + j], Float.parseFloat(cells[j]), 0f, "row " + i);
        }
    }

    @Test
    void argmaxWritesTheClassAndABatchSizeOfOneGivesTheSame() throws IOException {
        Path csv = dir.resolve("in.csv");
        Files.writeString(csv, "1,2,3\n-3,0,1\n0,0,0\n");
        Out a = run("", model.toString(), csv.toString(), "--argmax");
        Out b = run("", "--batch-size", "1", model.toString(), csv.toString(), "--argmax");
        assertEquals(0, a.code, a.stderr);
        assertEquals(a.stdout, b.stdout);
        assertTrue(a.stdout.matches("([01]\\n){3}"), a.stdout);
    }

    @Test
    void infoNamesTheShapes() {
        Out o = run("", "--info", model.toString());
        assertEquals(0, o.code);
        assertTrue(o.stdout.contains("input: (3,) per sample") && o.stdout.contains("output: (2,) per sample"), o.stdout);
    }

    @Test
    void timeReportsBatchOneLatency() {
        Out o = run("1,2,3\n", model.toString(), "--time", "5");
        assertEquals(0, o.code);
        assertTrue(o.stderr.startsWith("latency batch=1 runs=5 median_us="), o.stderr);
    }

    @Test
    void badArgumentsAndInputSayWhatWasExpected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> run("", model.toString(), "--batch-size", "0"))
                .getMessage().contains("--batch-size expects a positive whole number, got '0'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> run("", model.toString(), "--fast"))
                .getMessage().contains("unknown option '--fast'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> run(""))
                .getMessage().contains("no model file given"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> run("1,2,x\n", model.toString()))
                .getMessage().contains("standard input line 1, value 3: 'x' is not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> run("", model.toString(), dir.resolve("none.csv").toString()))
                .getMessage().contains("no such input file"));
        Out missing = run("", dir.resolve("none.myelin").toString());
        assertEquals(1, missing.code);
        assertTrue(missing.stderr.contains("no such model file"), missing.stderr);
    }
}
