package dev.myelin.nn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that cannot be read as what it claims to be: not a Myelin file, a newer format version,
 * truncated, corrupt, or holding weights that do not fit the model. The message names the file,
 * what was wrong (with the byte offset where one applies) and what was expected.
 *
 * <pre>{@code try { Model m = ModelFile.load(path); } catch (ModelFileException e) { log(e.getMessage()); }}</pre>
 */
public final class ModelFileException extends IOException {
    private final transient Path file;

    public ModelFileException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public ModelFileException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file the problem is in. */
    public Path file() {
        return file;
    }
}
