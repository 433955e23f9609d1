package dev.myelin.data;

import dev.myelin.core.Rng;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/** The iterators behind the dataset operations; each closes its upstream when exhausted or closed. */
final class Iterators {
    private Iterators() {}

    /** Releases the threads of iterators that were dropped without being closed or exhausted. */
    static final Cleaner CLEANER = Cleaner.create(daemonThreads("myelin-data-cleaner"));

    /** Threads named {@code prefix-N} that never keep the JVM alive. */
    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The shuffle seed of one epoch: a SplitMix64 mix of the base seed and the epoch, so epoch e's order needs no earlier epoch. */
    static long epochSeed(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Base of the pipeline iterators: subclasses compute the next element in {@link #advance()},
     * and the upstream is closed as soon as the end is reached or {@link #close()} is called.
     */
    abstract static class Stage<T> implements CloseableIterator<T> {
        private final Object upstream;
        private T next;
        private boolean ready, finished;

        Stage(Object upstream) {
            this.upstream = upstream;
        }

        /** Sets the next element with {@link #emit} and returns true, or returns false at the end. */
        abstract boolean advance();

        final void emit(T value) {
            next = value;
        }

        @Override
        public final boolean hasNext() {
            if (finished) return false;
            if (ready) return true;
            boolean ok;
            try {
                ok = advance();
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
            if (!ok) {
                close();
                return false;
            }
            ready = true;
            return true;
        }

        @Override
        public final T next() {
            if (!hasNext()) throw new NoSuchElementException();
            ready = false;
            T v = next;
            next = null;
            return v;
        }

        @Override
        public void close() {
            if (finished) return;
            finished = true;
            next = null;
            CloseableIterator.closeQuietly(upstream);
        }
    }

    static <T> CloseableIterator<T> of(List<T> items) {
        Iterator<T> it = items.iterator();
        return new Stage<>(null) {
            @Override
            boolean advance() {
                if (!it.hasNext()) return false;
                emit(it.next());
                return true;
            }
        };
    }

    static <T, R> CloseableIterator<R> map(Iterator<T> up, Function<? super T, ? extends R> fn) {
        return new Stage<>(up) {
            @Override
            boolean advance() {
                if (!up.hasNext()) return false;
                emit(fn.apply(up.next()));
                return true;
            }
        };
    }

    static <T> CloseableIterator<T> filter(Iterator<T> up, Predicate<? super T> keep) {
        return new Stage<>(up) {
            @Override
            boolean advance() {
                while (up.hasNext()) {
                    T v = up.next();
                    if (keep.test(v)) {
                        emit(v);
                        return true;
                    }
                }
                return false;
            }
        };
    }

    /** The first n elements; the upstream is closed once they are out, so a file is not read further. */
    static <T> CloseableIterator<T> take(Iterator<T> up, long n) {
        return new Stage<>(up) {
            long taken;

            @Override
            boolean advance() {
                if (taken >= n || !up.hasNext()) return false;
                taken++;
                emit(up.next());
                return true;
            }
        };
    }

    static <T> CloseableIterator<T> skip(Iterator<T> up, long n) {
        return new Stage<>(up) {
            boolean skipped;

            @Override
            boolean advance() {
                if (!skipped) {
                    for (long i = 0; i < n && up.hasNext(); i++) up.next();
                    skipped = true;
                }
                if (!up.hasNext()) return false;
                emit(up.next());
                return true;
            }
        };
    }

    /**
     * tf.data's shuffle: a buffer of up to {@code bufferSize} elements; each output is a uniformly
     * chosen buffer element, whose slot the next upstream element takes. Memory is bounded by the
     * buffer; a buffer at least as large as the stream gives a uniform permutation.
     */
    static <T> CloseableIterator<T> shuffle(Iterator<T> up, int bufferSize, Rng rng) {
        return new Stage<>(up) {
            final List<T> buffer = new ArrayList<>();
            boolean filled;

            @Override
            boolean advance() {
                if (!filled) {
                    while (buffer.size() < bufferSize && up.hasNext()) buffer.add(up.next());
                    filled = true;
                }
                if (buffer.isEmpty()) return false;
                int j = rng.nextInt(buffer.size());
                emit(buffer.get(j));
                if (up.hasNext()) {
                    buffer.set(j, up.next());
                } else {
                    T last = buffer.removeLast();
                    if (j < buffer.size()) buffer.set(j, last);
                }
                return true;
            }

            @Override
            public void close() {
                buffer.clear();
                super.close();
            }
        };
    }

    /** Passes elements through, handing the full list to {@code onComplete} only if the upstream ends (not if closed early). */
    static <T> CloseableIterator<T> recording(Iterator<T> up, Consumer<List<T>> onComplete) {
        return new Stage<>(up) {
            List<T> seen = new ArrayList<>();

            @Override
            boolean advance() {
                if (!up.hasNext()) {
                    if (seen != null) onComplete.accept(seen);
                    seen = null;
                    return false;
                }
                T v = up.next();
                if (seen != null) seen.add(v);
                emit(v);
                return true;
            }

            @Override
            public void close() {
                seen = null;
                super.close();
            }
        };
    }
}
