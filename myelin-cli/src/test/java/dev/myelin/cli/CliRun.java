package dev.myelin.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One in-process run of the command with its exit code, stdout and stderr captured. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8); PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = Main.commandLine(new Main(out, err)).execute(args);
        }
        return new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** Exit code 0 and nothing on stderr. */
    CliRun ok() {
        assertEquals(0, code, this::toString);
        assertEquals("", err, this::toString);
        return this;
    }

    /** The given exit code and exactly one line on stderr containing {@code fragment}, with no stack trace. */
    CliRun fails(int expectedCode, String fragment) {
        assertEquals(expectedCode, code, this::toString);
        String e = err.strip();
        assertEquals(1, e.lines().count(), () -> "expected one line on stderr: " + this);
        assertTrue(e.contains(fragment), () -> "expected '" + fragment + "' on stderr: " + this);
        assertFalse(e.contains("\tat ") || e.contains("Exception:"), () -> "a stack trace or exception name on stderr: " + this);
        return this;
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
}
