package dev.myelin.serve;

import dev.myelin.data.text.TextPreprocessing;
import dev.myelin.nn.Model;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.serve.ServedVersion.FileStamp;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The models of a repository folder, laid out as Triton's:
 * <pre>
 * DIR/&lt;model&gt;/config.json           optional settings ({@link ModelConfig})
 * DIR/&lt;model&gt;/&lt;version&gt;/model.myelin   a model file; any one *.myelin file will do
 * </pre>
 * Model names match {@code [A-Za-z0-9_][A-Za-z0-9_.-]*} without ".." and versions are positive whole numbers;
 * other entries (and hidden ones, such as the temporary files of an atomic save) are ignored.
 *
 * <p>{@link #scan} brings the served set in line with the folder: a new version (or a changed
 * file, or a changed config) loads beside the one serving, then the model's routing switches to
 * it in one step and the replaced version drains its requests in flight before it stops. A
 * version that fails to load is reported (state UNAVAILABLE with the reason) and the others keep
 * serving; it is tried again when its file changes. After the first scan a new or changed file
 * is only loaded once it looked the same on two scans in a row, so a file still being copied is
 * not read half-written.
 */
final class ModelRepository implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelRepository.class.getName());

    /** Model names: no path separators, no leading dot, so ".." and hidden folders never match. */
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    /** Whether {@code name} may name a model: letters, digits, '_', '.', '-', not starting with '.', no "..", at most 128 characters. */
    static boolean validName(String name) {
        return name != null && MODEL_NAME.matcher(name).matches() && !name.contains("..");
    }
    static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
    static final String MODEL_FILE = "model.myelin", MODEL_SUFFIX = ".myelin";

    /** Where a version stands, as the repository index reports it. */
    enum State { READY, LOADING, UNAVAILABLE }

    /** One version folder's state; {@code policyExcluded} marks a version the version policy does not serve. */
    record VersionStatus(long version, State state, String reason, boolean policyExcluded) {}

    /** What a model serves now: swapped whole, so a request sees one consistent view. */
    record Snapshot(NavigableMap<Long, ServedVersion> serving, Map<Long, VersionStatus> others, String error) {
        static final Snapshot EMPTY = new Snapshot(Collections.emptyNavigableMap(), Map.of(), null);
    }

    /** One model folder: its published snapshot, and the scanner's own bookkeeping (scanner thread only). */
    private static final class Entry {
        final String name;
        volatile Snapshot snapshot = Snapshot.EMPTY;
        FileStamp configStamp;
        boolean configSeen;
        ModelConfig config;
        String configError;
        int configGeneration;
        Map<Long, FileStamp> lastSeen = Map.of();
        final Map<Long, Failure> failures = new HashMap<>();

        Entry(String name) {
            this.name = name;
        }
    }

    private record Failure(FileStamp stamp, int configGeneration, String reason) {}

    private final Path root;
    private final ServeMetrics metrics;
    private final Duration drain;
    private final ConcurrentHashMap<String, Entry> models = new ConcurrentHashMap<>();
    private final Object scanLock = new Object();
    private final Set<Thread> retiring = ConcurrentHashMap.newKeySet();
    private volatile boolean scanned;

    ModelRepository(Path root, ServeMetrics metrics, Duration drain) {
        this.root = root;
        this.metrics = metrics;
        this.drain = drain;
    }

    Path root() {
        return root;
    }

    /** Whether the first scan has finished. */
    boolean scanned() {
        return scanned;
    }

    // ------------------------------------------------------------------ scanning

    /** Brings the served models in line with the folder (see the class notes); {@code initial} loads without waiting for files to settle. */
    void scan(boolean initial) throws IOException {
        synchronized (scanLock) {
            Set<String> names = new TreeSet<>();
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
                for (Path d : dirs) {
                    String n = d.getFileName().toString();
                    if (validName(n) && Files.isDirectory(d)) names.add(n);
                }
            }
            for (String gone : new ArrayList<>(models.keySet())) {
                if (!names.contains(gone)) {
                    Entry e = models.remove(gone);
                    LOG.log(System.Logger.Level.INFO, "model '" + gone + "' left the repository; unloading it");
                    retireAll(e.snapshot.serving.values());
                }
            }
            for (String n : names) {
                try {
                    scanModel(models.computeIfAbsent(n, Entry::new), initial);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "scanning model '" + n + "' failed: " + e.getMessage(), e);
                }
            }
            scanned = true;
        }
    }

    private void scanModel(Entry e, boolean initial) throws IOException {
        Path dir = root.resolve(e.name);
        Path configFile = dir.resolve(ModelConfig.FILE_NAME);
        FileStamp cs = stamp(configFile);
        if (!e.configSeen || !Objects.equals(cs, e.configStamp)) {
            e.configSeen = true;
            e.configStamp = cs;
            try {
                ModelConfig c = cs == null ? ModelConfig.DEFAULT : ModelConfig.read(configFile);
                if (!c.equals(e.config)) {
                    e.config = c;
                    e.configGeneration++;
                }
                e.configError = null;
            } catch (IOException ex) {
                e.configError = ex.getMessage() + (e.config == null ? "" : "; still serving with the previous settings");
                LOG.log(System.Logger.Level.WARNING, "model '" + e.name + "': " + e.configError);
            }
        }
        Snapshot current = e.snapshot;
        if (e.config == null) {
            publish(e, new Snapshot(Collections.emptyNavigableMap(), Map.of(), e.configError));
            return;
        }

        // The version folders and their model files.
        Map<Long, FileStamp> stamps = new HashMap<>();
        Map<Long, String> problems = new HashMap<>();
        try (DirectoryStream<Path> vs = Files.newDirectoryStream(dir)) {
            for (Path v : vs) {
                String vn = v.getFileName().toString();
                if (!VERSION.matcher(vn).matches() || !Files.isDirectory(v)) continue;
                long version = Long.parseLong(vn);
                try {
                    stamps.put(version, stamp(modelFile(v)));
                } catch (IOException ex) {
                    problems.put(version, ex.getMessage());
                }
            }
        }
        Map<Long, FileStamp> previous = e.lastSeen;
        e.lastSeen = stamps;

        ModelConfig config = e.config;
        TreeSet<Long> onDisk = new TreeSet<>(stamps.keySet());
        onDisk.addAll(problems.keySet());
        int limit = config.versionPolicy() instanceof ModelConfig.VersionPolicy.Latest l ? l.count() : Integer.MAX_VALUE;
        TreeMap<Long, ServedVersion> serving = new TreeMap<>();
        Map<Long, VersionStatus> others = new TreeMap<>();
        for (long v : onDisk.descendingSet()) {
            ServedVersion cur = current.serving.get(v);
            if (!config.versionPolicy().admits(v) || serving.size() >= limit) {
                others.put(v, new VersionStatus(v, State.UNAVAILABLE, "not served: version_policy is " + config.versionPolicy().describe(), true));
                continue;
            }
            if (problems.containsKey(v)) {
                others.put(v, new VersionStatus(v, State.UNAVAILABLE, problems.get(v), false));
                continue;
            }
            FileStamp s = stamps.get(v);
            if (cur != null && cur.stamp.equals(s) && cur.configGeneration == e.configGeneration) {
                serving.put(v, cur);
                continue;
            }
            if (!initial && !s.equals(previous.get(v))) {
                // new or changed since the last scan: wait one more scan for it to settle
                if (cur != null) serving.put(v, cur);
                else others.put(v, new VersionStatus(v, State.LOADING, "waiting for the model file to stop changing", false));
                continue;
            }
            Failure f = e.failures.get(v);
            if (f != null && f.stamp.equals(s) && f.configGeneration == e.configGeneration) {
                others.put(v, new VersionStatus(v, State.UNAVAILABLE, f.reason, false));
                continue;
            }
            try {
                serving.put(v, load(e.name, v, s, config, e.configGeneration));
                e.failures.remove(v);
            } catch (IOException | RuntimeException | StackOverflowError ex) {
                String detail = String.valueOf(ex.getMessage());
                String reason = "failed to load: " + (detail.contains(s.path().toString()) ? detail : s.path() + ": " + detail);
                LOG.log(System.Logger.Level.WARNING, "model '" + e.name + "' version " + v + ": " + reason);
                e.failures.put(v, new Failure(s, e.configGeneration, reason));
                others.put(v, new VersionStatus(v, State.UNAVAILABLE, reason, false));
                if (cur != null && serving.size() < limit) serving.put(v, cur);   // the file changed but the new one is broken: keep the old
            }
        }
        e.failures.keySet().retainAll(onDisk);
        String error = e.configError;
        if (onDisk.isEmpty()) error = (error == null ? "" : error + "; ") + "no version folders (positive whole numbers) in " + dir;
        publish(e, new Snapshot(Collections.unmodifiableNavigableMap(serving), Collections.unmodifiableMap(others), error));
        Set<ServedVersion> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(serving.values());
        List<ServedVersion> replaced = new ArrayList<>();
        for (ServedVersion sv : current.serving.values()) if (!kept.contains(sv)) replaced.add(sv);
        retireAll(replaced);
    }

    private void publish(Entry e, Snapshot s) {
        Snapshot before = e.snapshot;
        e.snapshot = s;
        if (!before.serving.isEmpty() && !s.serving.isEmpty() && before.serving.lastKey().longValue() != s.serving.lastKey().longValue()) {
            LOG.log(System.Logger.Level.INFO, "model '" + e.name + "': default version " + before.serving.lastKey() + " -> " + s.serving.lastKey());
        }
    }

    private void retireAll(Iterable<ServedVersion> versions) {
        for (ServedVersion sv : versions) {
            Thread t = Thread.ofVirtual().name("myelin-serve-retire-" + sv.model + "-v" + sv.version).unstarted(() -> {
                try {
                    sv.retire(drain);
                    LOG.log(System.Logger.Level.INFO, sv + " unloaded");
                } finally {
                    retiring.remove(Thread.currentThread());
                }
            });
            retiring.add(t);
            t.start();
        }
    }

    /** The version folder's model file: model.myelin, else its only *.myelin file. */
    static Path modelFile(Path versionDir) throws IOException {
        Path preferred = versionDir.resolve(MODEL_FILE);
        if (Files.isRegularFile(preferred)) return preferred;
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(versionDir)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (!n.startsWith(".") && n.endsWith(MODEL_SUFFIX) && Files.isRegularFile(f)) found.add(f);
            }
        }
        if (found.size() == 1) return found.getFirst();
        if (found.isEmpty()) throw new IOException("no model file in " + versionDir + "; expected " + MODEL_FILE + " or one *" + MODEL_SUFFIX + " file");
        Collections.sort(found);
        throw new IOException(versionDir + " holds " + found.size() + " model files " + found + "; keep one, or name the one to serve " + MODEL_FILE);
    }

    private static FileStamp stamp(Path file) throws IOException {
        try {
            return new FileStamp(file, Files.size(file), Files.getLastModifiedTime(file).toMillis());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Loads {@code instanceCount} copies of the model, warms each up on a batch of zeros, and starts its batcher. */
    private ServedVersion load(String name, long version, FileStamp stamp, ModelConfig config, int generation) throws IOException {
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            Map<String, Object> meta = ModelFile.metadata(stamp.path());
            List<Model> instances = new ArrayList<>();
            for (int i = 0; i < config.instanceCount(); i++) instances.add(ModelFile.load(stamp.path()));
            List<Signature.TensorSpec> inputs = Signature.inputs(instances.getFirst(), meta);
            List<int[]> observed = null;
            for (Model m : instances) observed = Batcher.warmUp(m, inputs);
            Signature signature = Signature.of(inputs, meta, observed);
            Map<String, TextPreprocessing> text = textInputs(meta, signature, stamp.path());
            Batcher batcher = new Batcher(name, version, signature, instances, config, metrics);
            ok = true;
            LOG.log(System.Logger.Level.INFO, "model '" + name + "' version " + version + " loaded from " + stamp.path() + " in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms: inputs " + describe(signature.inputs()) + ", outputs " + describe(signature.outputs())
                    + (text.isEmpty() ? "" : "; texts (BYTES) taken by " + describeText(text)));
            return new ServedVersion(name, version, signature, config, batcher, stamp, generation, text);
        } finally {
            metrics.modelLoad(name, version, System.nanoTime() - t0, ok);
        }
    }

    /**
     * The text preprocessing the model file's training metadata declares ({@code training.text_preprocessing},
     * see {@link TextPreprocessing}), its tokenizer read from beside the model file, keyed by the
     * id input it feeds: the map's "input", else the model's only INT64 input. None when not declared.
     */
    static Map<String, TextPreprocessing> textInputs(Map<String, Object> meta, Signature signature, Path modelFile) throws IOException {
        if (!(meta.get("training") instanceof Map<?, ?> training) || training.get(TextPreprocessing.KEY) == null) return Map.of();
        if (!(training.get(TextPreprocessing.KEY) instanceof Map<?, ?> m)) {
            throw new IOException("the model file's training." + TextPreprocessing.KEY + " must be an object, got " + training.get(TextPreprocessing.KEY));
        }
        String input;
        if (m.get("input") != null) {
            input = String.valueOf(m.get("input"));
            Signature.TensorSpec spec = signature.input(input);
            if (spec == null || spec.datatype() != Datatype.INT64) {
                throw new IOException(TextPreprocessing.KEY + " names input '" + input + "', which is not an id (INT64) input of the model: " + describe(signature.inputs()));
            }
        } else {
            List<String> ids = new ArrayList<>();
            for (Signature.TensorSpec s : signature.inputs()) if (s.datatype() == Datatype.INT64) ids.add(s.name());
            if (ids.size() != 1) {
                throw new IOException(TextPreprocessing.KEY + " does not say which input it feeds (\"input\"), and the model has "
                        + ids.size() + " id (INT64) inputs: " + describe(signature.inputs()));
            }
            input = ids.getFirst();
        }
        TextPreprocessing prep;
        try {
            prep = TextPreprocessing.fromMap(m, modelFile.toAbsolutePath().getParent());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        int[] shape = signature.input(input).shape();
        if (shape.length != 2 || (shape[1] >= 0 && shape[1] != prep.maxLen())) {
            throw new IOException(TextPreprocessing.KEY + " makes " + prep.maxLen() + " ids per text, but input '" + input + "' has shape "
                    + java.util.Arrays.toString(shape) + "; expected [-1, " + prep.maxLen() + "]");
        }
        return Map.of(input, prep);
    }

    private static String describeText(Map<String, TextPreprocessing> text) {
        List<String> out = new ArrayList<>();
        for (var e : text.entrySet()) out.add("'" + e.getKey() + "' (" + e.getValue().describe() + ")");
        return String.join(", ", out);
    }

    private static String describe(List<Signature.TensorSpec> specs) {
        List<String> out = new ArrayList<>();
        for (Signature.TensorSpec s : specs) out.add(s.describe());
        return out.toString();
    }

    // ------------------------------------------------------------------ lookups

    /** The model's names, sorted. */
    List<String> names() {
        return new ArrayList<>(new TreeSet<>(models.keySet()));
    }

    /** The model's snapshot; 404 when there is no such model. */
    Snapshot snapshot(String name) {
        Entry e = name == null ? null : models.get(name);
        if (e == null) {
            List<String> names = names();
            throw ServeException.notFound("unknown model '" + name + "'; the repository serves "
                    + (names.isEmpty() ? "no models" : names.size() <= 20 ? names.toString() : names.subList(0, 20) + " and " + (names.size() - 20) + " more"));
        }
        return e.snapshot;
    }

    /** Whether the model is known. */
    boolean contains(String name) {
        return models.containsKey(name);
    }

    /**
     * The version to answer with, counted in ({@link ServedVersion#release} it after): the given
     * version, or the newest ready one when {@code version} is null. 404 for an unknown model or a
     * version that is not there (or not served by the version policy), 503 for one not ready.
     */
    ServedVersion acquire(String name, String version) {
        Long wanted = version == null ? null : parseVersion(version);
        for (int attempt = 0; attempt < 10_000; attempt++) {
            Snapshot s = snapshot(name);
            ServedVersion sv = wanted == null ? (s.serving.isEmpty() ? null : s.serving.lastEntry().getValue()) : s.serving.get(wanted);
            if (sv == null) throw notServing(name, wanted, s);
            if (sv.tryAcquire()) return sv;
            Thread.onSpinWait();   // retired just now: the snapshot that replaced it is already published
        }
        throw ServeException.unavailable("model '" + name + "' is switching versions; retry", 1);
    }

    /** The served version without counting a request in (metadata, readiness). */
    ServedVersion peek(String name, String version) {
        Long wanted = version == null ? null : parseVersion(version);
        Snapshot s = snapshot(name);
        ServedVersion sv = wanted == null ? (s.serving.isEmpty() ? null : s.serving.lastEntry().getValue()) : s.serving.get(wanted);
        if (sv == null) throw notServing(name, wanted, s);
        return sv;
    }

    static long parseVersion(String version) {
        if (!VERSION.matcher(version).matches()) {
            throw ServeException.badRequest("model version must be a positive whole number, got '" + version + "'");
        }
        return Long.parseLong(version);
    }

    private static ServeException notServing(String name, Long wanted, Snapshot s) {
        if (wanted == null) {
            StringBuilder why = new StringBuilder();
            if (s.error != null) why.append(s.error);
            for (VersionStatus vs : s.others.values()) {
                if (vs.policyExcluded) continue;
                if (!why.isEmpty()) why.append("; ");
                why.append("version ").append(vs.version).append(": ").append(vs.reason);
            }
            return ServeException.unavailable("model '" + name + "' has no version ready" + (why.isEmpty() ? " yet" : ": " + why), 1);
        }
        VersionStatus vs = s.others.get(wanted);
        if (vs == null) {
            return ServeException.notFound("model '" + name + "' has no version " + wanted + "; versions served: " + s.serving.keySet());
        }
        if (vs.policyExcluded) return ServeException.notFound("model '" + name + "' version " + wanted + " is " + vs.reason + "; versions served: " + s.serving.keySet());
        return ServeException.unavailable("model '" + name + "' version " + wanted + " is not ready: " + vs.reason, 1);
    }

    /** Whether every model has a version ready (Triton's strict readiness); true for an empty repository. */
    boolean allReady() {
        for (Entry e : models.values()) if (e.snapshot.serving.isEmpty()) return false;
        return true;
    }

    /** Every version folder's state, by model, for the repository index. */
    Map<String, List<VersionStatus>> index() {
        Map<String, List<VersionStatus>> out = new TreeMap<>();
        for (String n : names()) {
            Entry e = models.get(n);
            if (e == null) continue;
            Snapshot s = e.snapshot;
            TreeMap<Long, VersionStatus> all = new TreeMap<>(s.others);
            for (long v : s.serving.keySet()) all.put(v, new VersionStatus(v, State.READY, null, false));
            List<VersionStatus> list = new ArrayList<>(all.values());
            if (list.isEmpty()) list.add(new VersionStatus(0, State.UNAVAILABLE, s.error != null ? s.error : "no version loaded yet", false));
            out.put(n, list);
        }
        return out;
    }

    /** Unloads every model, letting each drain its requests in flight, and waits for all of them. */
    @Override
    public void close() {
        synchronized (scanLock) {
            for (String n : new ArrayList<>(models.keySet())) {
                Entry e = models.remove(n);
                if (e != null) retireAll(e.snapshot.serving.values());
            }
        }
        for (Thread t : new HashSet<>(retiring)) {
            try {
                t.join(drain.plusSeconds(1));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
