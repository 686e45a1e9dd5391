#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <utility>
#include <mutex>
#include <thread>
#include <vector>

namespace ito {
namespace {

// Threads natively and in the browser's threaded build (Emscripten pthreads); the browser's
// other build runs everything on the calling thread.
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define ITO_HAS_THREADS 1
#endif

#ifdef ITO_HAS_THREADS
thread_local bool t_inside_parallel = false;

// Workers wait for a job, take indices from a shared counter, and report when done.
class Pool {
 public:
  explicit Pool(int threads) {
    for (int i = 0; i + 1 < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void run(int n, const std::function<void(int)>& fn) {
    std::unique_lock<std::mutex> call_lock(call_mutex_);  // one job at a time
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      n_ = n;
      next_.store(0);
      busy_ = static_cast<int>(workers_.size());
      ++generation_;
    }
    wake_.notify_all();
    take_indices();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_ == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  // An exception ends this thread's share of the work; the first one is rethrown by run().
  void take_indices() {
    t_inside_parallel = true;
    try {
      for (int i = next_.fetch_add(1); i < n_; i = next_.fetch_add(1)) (*fn_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(n_);
    }
    t_inside_parallel = false;
  }
  void work() {
    long seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
      }
      take_indices();
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busy_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_, call_mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* fn_ = nullptr;
  int n_ = 0;
  std::atomic<int> next_{0};
  int busy_ = 0;
  long generation_ = 0;
  bool quit_ = false;
  std::exception_ptr error_;
};

#ifdef __EMSCRIPTEN__
// The module starts min(cores - 1, 7) pthread Workers (CMakeLists.txt, engine_mt): the pool
// takes at most that many, since a thread beyond them would wait for the event loop.
constexpr unsigned kMaxThreads = 8;
#else
constexpr unsigned kMaxThreads = 256;
#endif
int g_threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, kMaxThreads));
std::unique_ptr<Pool> g_pool;
std::mutex g_pool_mutex;

Pool* pool() {
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (!g_pool || g_pool->size() != g_threads) g_pool = std::make_unique<Pool>(g_threads);
  return g_pool.get();
}
#else
int g_threads = 1;
#endif

}  // namespace

void set_num_threads(int n) {
#if defined(__EMSCRIPTEN__) && defined(ITO_HAS_THREADS)
  n = std::min(n, static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, kMaxThreads)));
#endif
  g_threads = std::max(1, n);
}
int num_threads() { return g_threads; }

void parallel_for(int n, const std::function<void(int)>& fn) {
#ifdef ITO_HAS_THREADS
  if (n > 1 && g_threads > 1 && !t_inside_parallel) {
    pool()->run(n, fn);
    return;
  }
#endif
  for (int i = 0; i < n; ++i) fn(i);
}

}  // namespace ito
