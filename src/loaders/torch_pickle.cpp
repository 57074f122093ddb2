#include "loaders/torch_pickle.h"

#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

namespace bertcpp::detail {
namespace {

struct Value;
using Ref = std::shared_ptr<Value>;

struct Value {
  enum Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor } kind = None;
  int64_t i = 0;
  double f = 0;
  std::string s;            // String; Global "module.name"
  std::vector<Ref> items;   // Tuple, List; Dict as key, value, key, value...
  TorchTensorRecord tensor; // Storage (storage fields only) and Tensor
};

Ref make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

const char* kind_name(Value::Kind k) {
  static const char* names[] = {"None", "bool", "int", "float", "str", "tuple", "list", "dict", "global", "storage", "tensor"};
  return names[k];
}

// The only callables a state dict needs; everything else is refused by name.
bool allowed_global(const std::string& name) {
  static const char* allowed[] = {
      "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
      "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage", "torch.LongStorage",
      "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage"};
  for (const char* a : allowed)
    if (name == a) return true;
  return false;
}

class Machine {
 public:
  Machine(std::string_view data, const std::string& where) : data_(data), where_(where) {}

  Ref run() {
    for (;;) {
      const size_t at = pos_;
      const auto op = static_cast<unsigned char>(byte());
      switch (op) {
        case 0x80: byte(); break;                 // PROTO
        case 0x95: take(8); break;                // FRAME
        case '.': return finish(at);              // STOP
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case 'N': push(make(Value::None)); break;
        case 0x88: push(boolean(true)); break;    // NEWTRUE
        case 0x89: push(boolean(false)); break;   // NEWFALSE
        case 'K': push(integer(le(1))); break;    // BININT1
        case 'M': push(integer(le(2))); break;    // BININT2
        case 'J': push(integer(static_cast<int32_t>(le(4)))); break;  // BININT
        case 0x8a: push(integer(long1())); break; // LONG1
        case 'G': push(real()); break;            // BINFLOAT
        case 'X': case 'T': case 'B': push(string(take(le(4)))); break;  // BINUNICODE, BINSTRING, BINBYTES
        case 0x8c: case 'U': case 'C': push(string(take(le(1)))); break; // SHORT_BINUNICODE, ...STRING, ...BYTES
        case ')': push(make(Value::Tuple)); break;  // EMPTY_TUPLE
        case ']': push(make(Value::List)); break;   // EMPTY_LIST
        case '}': push(make(Value::Dict)); break;   // EMPTY_DICT
        case 't': push(collection(Value::Tuple, pop_mark(at))); break;  // TUPLE
        case 'l': push(collection(Value::List, pop_mark(at))); break;   // LIST
        case 'd': push(dict(pop_mark(at), at)); break;                  // DICT
        case 0x85: case 0x86: case 0x87: {        // TUPLE1..3
          const size_t n = op - 0x84;
          push(collection(Value::Tuple, pop_n(n, at)));
          break;
        }
        case 'a': { Ref v = pop(at); append(top(at), {v}, at); break; }  // APPEND
        case 'e': { auto vs = pop_mark(at); append(top(at), vs, at); break; }  // APPENDS
        case 's': { auto kv = pop_n(2, at); set_items(top(at), kv, at); break; }  // SETITEM
        case 'u': { auto kv = pop_mark(at); set_items(top(at), kv, at); break; }  // SETITEMS
        case 'q': memo_[le(1)] = top(at); break;  // BINPUT
        case 'r': memo_[le(4)] = top(at); break;  // LONG_BINPUT
        case 0x94: memo_[memo_.size()] = top(at); break;  // MEMOIZE
        case 'h': push(memo(le(1), at)); break;   // BINGET
        case 'j': push(memo(le(4), at)); break;   // LONG_BINGET
        case '0': pop(at); break;                 // POP
        case '1': pop_mark(at); break;            // POP_MARK
        case '2': push(top(at)); break;           // DUP
        case 'c': {                               // GLOBAL "module\nname\n"
          const std::string module = line(), name = line();
          push(global(module + "." + name, at));
          break;
        }
        case 0x93: {                              // STACK_GLOBAL
          auto mn = pop_n(2, at);
          if (mn[0]->kind != Value::String || mn[1]->kind != Value::String) fail(at, "STACK_GLOBAL needs two strings");
          push(global(mn[0]->s + "." + mn[1]->s, at));
          break;
        }
        case 'Q': push(persistent(pop(at), at)); break;  // BINPERSID
        case 'R': {                                      // REDUCE
          Ref args = pop(at), callable = pop(at);
          push(reduce(callable, args, at));
          break;
        }
        case 'b': pop(at); top(at); break;  // BUILD: object state (e.g. state_dict's _metadata) is not needed
        default: fail(at, "unsupported pickle opcode 0x" + hex(op));
      }
    }
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& why) const {
    throw std::runtime_error(where_ + ": pickle byte " + std::to_string(at) + ": " + why);
  }
  static std::string hex(unsigned v) {
    static const char* digits = "0123456789abcdef";
    return std::string{digits[(v >> 4) & 15], digits[v & 15]};
  }

  char byte() {
    if (pos_ >= data_.size()) fail(pos_, "truncated (no STOP opcode)");
    return data_[pos_++];
  }
  std::string_view take(uint64_t n) {
    if (n > data_.size() - pos_) fail(pos_, "truncated: " + std::to_string(n) + " bytes wanted");
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint64_t le(int n) {
    const std::string_view b = take(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  int64_t long1() {
    const size_t at = pos_;
    const auto n = static_cast<unsigned char>(byte());
    if (n > 8) fail(at, "integer wider than 64 bits");
    if (n == 0) return 0;
    const std::string_view b = take(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    if (n < 8 && (static_cast<unsigned char>(b[n - 1]) & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  std::string line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) fail(pos_, "truncated GLOBAL");
    std::string out(data_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }

  void push(Ref v) { stack_.push_back(std::move(v)); }
  Ref pop(size_t at) {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail(at, "stack underflow");
    Ref v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  const Ref& top(size_t at) {
    if (stack_.empty()) fail(at, "stack underflow");
    return stack_.back();
  }
  std::vector<Ref> pop_n(size_t n, size_t at) {
    std::vector<Ref> out(n);
    for (size_t i = n; i-- > 0;) out[i] = pop(at);
    return out;
  }
  std::vector<Ref> pop_mark(size_t at) {
    if (marks_.empty()) fail(at, "no MARK");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Ref> out(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return out;
  }
  Ref memo(uint64_t key, size_t at) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail(at, "memo key " + std::to_string(key) + " was never stored");
    return it->second;
  }

  static Ref boolean(bool b) {
    Ref v = make(Value::Bool);
    v->i = b;
    return v;
  }
  static Ref integer(int64_t i) {
    Ref v = make(Value::Int);
    v->i = i;
    return v;
  }
  Ref real() {
    const uint64_t bits_be = le(8);  // BINFLOAT is big-endian
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= ((bits_be >> (8 * i)) & 0xFF) << (8 * (7 - i));
    Ref v = make(Value::Float);
    std::memcpy(&v->f, &bits, 8);
    return v;
  }
  static Ref string(std::string_view s) {
    Ref v = make(Value::String);
    v->s = std::string(s);
    return v;
  }
  static Ref collection(Value::Kind kind, std::vector<Ref> items) {
    Ref v = make(kind);
    v->items = std::move(items);
    return v;
  }
  Ref dict(std::vector<Ref> kv, size_t at) {
    Ref d = make(Value::Dict);
    set_items(d, kv, at);
    return d;
  }
  Ref global(const std::string& name, size_t at) {
    if (!allowed_global(name))
      fail(at, "refusing global " + name + " (only a state dict of tensors is supported)");
    Ref v = make(Value::Global);
    v->s = name;
    return v;
  }
  void append(const Ref& list, const std::vector<Ref>& values, size_t at) {
    if (list->kind != Value::List) fail(at, std::string("APPEND to a ") + kind_name(list->kind));
    list->items.insert(list->items.end(), values.begin(), values.end());
  }
  void set_items(const Ref& d, const std::vector<Ref>& kv, size_t at) {
    if (d->kind != Value::Dict) fail(at, std::string("SETITEM on a ") + kind_name(d->kind));
    if (kv.size() % 2) fail(at, "SETITEMS with an odd number of items");
    d->items.insert(d->items.end(), kv.begin(), kv.end());
  }

  static std::vector<int64_t> ints(const Ref& tuple, const char* what, size_t at, const Machine& m) {
    if (tuple->kind != Value::Tuple) m.fail(at, std::string(what) + " is not a tuple");
    std::vector<int64_t> out;
    for (const Ref& item : tuple->items) {
      if (item->kind != Value::Int) m.fail(at, std::string(what) + " holds a " + kind_name(item->kind));
      out.push_back(item->i);
    }
    return out;
  }

  Ref persistent(const Ref& pid, size_t at) {
    // ('storage', torch.FloatStorage, key, location, numel)
    if (pid->kind != Value::Tuple || pid->items.size() != 5 || pid->items[0]->kind != Value::String ||
        pid->items[0]->s != "storage" || pid->items[1]->kind != Value::Global || pid->items[2]->kind != Value::String ||
        pid->items[4]->kind != Value::Int)
      fail(at, "persistent id is not ('storage', type, key, location, numel)");
    const std::string& type = pid->items[1]->s;
    if (type.compare(0, 6, "torch.") != 0 || type.size() < 13 || type.compare(type.size() - 7, 7, "Storage") != 0)
      fail(at, "persistent id names " + type + ", not a storage type");
    Ref v = make(Value::Storage);
    v->tensor.storage_type = type.substr(6);
    v->tensor.storage_key = pid->items[2]->s;
    v->tensor.storage_numel = pid->items[4]->i;
    if (v->tensor.storage_numel < 0) fail(at, "negative storage size");
    return v;
  }

  Ref reduce(const Ref& callable, const Ref& args, size_t at) {
    if (callable->kind != Value::Global) fail(at, std::string("REDUCE on a ") + kind_name(callable->kind));
    if (args->kind != Value::Tuple) fail(at, "REDUCE arguments are not a tuple");
    const std::string& fn = callable->s;
    const auto& a = args->items;
    if (fn == "collections.OrderedDict") {
      if (!a.empty()) fail(at, "OrderedDict built from arguments is not supported");
      return make(Value::Dict);
    }
    if (fn == "torch._utils._rebuild_tensor_v2") {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (a.size() < 4 || a[0]->kind != Value::Storage || a[1]->kind != Value::Int)
        fail(at, "_rebuild_tensor_v2 called with unexpected arguments");
      Ref t = make(Value::Tensor);
      t->tensor = a[0]->tensor;
      t->tensor.storage_offset = a[1]->i;
      t->tensor.shape = ints(a[2], "tensor size", at, *this);
      t->tensor.stride = ints(a[3], "tensor stride", at, *this);
      if (t->tensor.shape.size() != t->tensor.stride.size()) fail(at, "tensor size and stride differ in rank");
      return t;
    }
    if (fn == "torch._utils._rebuild_parameter") {  // (tensor, requires_grad, backward_hooks)
      if (a.empty() || a[0]->kind != Value::Tensor) fail(at, "_rebuild_parameter without a tensor");
      return a[0];
    }
    fail(at, "cannot call " + fn);
  }

  Ref finish(size_t at) {
    if (stack_.size() != 1 || !marks_.empty()) fail(at, "STOP with " + std::to_string(stack_.size()) + " values on the stack");
    return stack_.back();
  }

  std::string_view data_;
  const std::string& where_;
  size_t pos_ = 0;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;
  std::map<uint64_t, Ref> memo_;
};

}  // namespace

std::vector<TorchTensorRecord> read_torch_state_dict_pickle(std::string_view pickle, const std::string& where) {
  const Ref root = Machine(pickle, where).run();
  if (root->kind != Value::Dict)
    throw std::runtime_error(where + ": holds a " + kind_name(root->kind) + ", expected a state dict (name -> tensor)");
  std::vector<TorchTensorRecord> out;
  for (size_t i = 0; i + 1 < root->items.size(); i += 2) {
    const Ref& key = root->items[i];
    const Ref& value = root->items[i + 1];
    if (key->kind != Value::String)
      throw std::runtime_error(where + ": state dict key is a " + kind_name(key->kind) + ", expected a name");
    if (value->kind != Value::Tensor)
      throw std::runtime_error(where + ": \"" + key->s + "\" is a " + kind_name(value->kind) + ", not a tensor");
    out.push_back(value->tensor);
    out.back().name = key->s;
  }
  return out;
}

}  // namespace bertcpp::detail
