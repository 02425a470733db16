//===- Pickle.cpp - A safe subset of Python's unpickler -------------------===//

#include "frontends/checkpoint/Pickle.h"
#include "frontends/checkpoint/Checkpoint.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"

#include <cstdio>
#include <cstring>
#include <map>

namespace amae {

using Kind = PyValue::Kind;

PyRef PyValue::lookup(llvm::StringRef key) const {
  if (kind != Kind::Dict)
    return nullptr;
  for (size_t i = 0; i + 1 < items.size(); i += 2)
    if (items[i]->is(Kind::String) && items[i]->text == key)
      return items[i + 1];
  return nullptr;
}

namespace {

/// Storage classes of torch.save's persistent ids.
std::optional<DType> storageDType(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("FloatStorage", DType::F32)
      .Case("HalfStorage", DType::F16)
      .Case("BFloat16Storage", DType::BF16)
      .Case("DoubleStorage", DType::F64)
      .Case("LongStorage", DType::I64)
      .Case("IntStorage", DType::I32)
      .Case("ShortStorage", DType::I16)
      .Case("CharStorage", DType::I8)
      .Case("ByteStorage", DType::U8)
      .Case("BoolStorage", DType::Bool)
      .Default(std::nullopt);
}

class Unpickler {
public:
  Unpickler(llvm::StringRef where, llvm::StringRef bytes)
      : where(where), bytes(bytes) {}

  llvm::Expected<std::unique_ptr<Pickle>> run();

private:
  llvm::Error fail(const llvm::Twine &message) {
    return checkpointError(where, "offset " + llvm::Twine(opStart) + ": " + message);
  }
  bool need(uint64_t n) const { return n <= bytes.size() - pos; }
  uint64_t readLE(unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
      v |= uint64_t(uint8_t(bytes[pos + i])) << (8 * i);
    pos += n;
    return v;
  }
  PyRef make(Kind kind) {
    result->arena.push_back(std::make_unique<PyValue>(kind));
    return result->arena.back().get();
  }
  PyRef makeInt(int64_t v) {
    PyRef r = make(Kind::Int);
    r->integer = v;
    return r;
  }
  llvm::Expected<PyRef> pop();
  /// Pops everything above the last MARK.
  llvm::Expected<std::vector<PyRef>> popMark();
  llvm::Expected<PyRef> reduce(PyRef callable, PyRef args);
  llvm::Expected<PyRef> persistentLoad(PyRef pid);
  llvm::Error step(uint8_t op, bool &stop);

  llvm::StringRef where, bytes;
  uint64_t pos = 0, opStart = 0;
  std::vector<PyRef> stack;
  std::vector<size_t> marks;
  std::map<uint64_t, PyRef> memo;
  std::unique_ptr<Pickle> result = std::make_unique<Pickle>();
};

llvm::Expected<PyRef> Unpickler::pop() {
  if (stack.empty() || (!marks.empty() && stack.size() == marks.back()))
    return fail("stack underflow");
  PyRef top = std::move(stack.back());
  stack.pop_back();
  return top;
}

llvm::Expected<std::vector<PyRef>> Unpickler::popMark() {
  if (marks.empty())
    return fail("no MARK to pop to");
  size_t base = marks.back();
  marks.pop_back();
  std::vector<PyRef> items(std::make_move_iterator(stack.begin() + base),
                           std::make_move_iterator(stack.end()));
  stack.resize(base);
  return items;
}

llvm::Expected<PyRef> Unpickler::persistentLoad(PyRef pid) {
  // ('storage', torch.<Type>Storage, key, location, numel)
  if (!pid->is(Kind::Tuple) || pid->items.size() < 5 ||
      !pid->items[0]->is(Kind::String) || pid->items[0]->text != "storage" ||
      !pid->items[1]->is(Kind::Global) || !pid->items[2]->is(Kind::String) ||
      !pid->items[4]->is(Kind::Int) || pid->items[4]->integer < 0)
    return fail("unrecognised persistent id (expected a torch storage)");
  std::optional<DType> dtype = storageDType(pid->items[1]->text2);
  if (!dtype)
    return fail("unsupported storage type " + pid->items[1]->text + "." +
                pid->items[1]->text2);
  PyRef storage = make(Kind::Storage);
  storage->text = pid->items[2]->text;
  storage->dtype = *dtype;
  storage->numel = pid->items[4]->integer;
  return storage;
}

/// The few callables that describe data; everything else stays inert.
llvm::Expected<PyRef> Unpickler::reduce(PyRef callable, PyRef args) {
  auto inert = [&] {
    PyRef object = make(Kind::Object);
    object->callable = callable;
    object->args = args;
    return object;
  };
  if (!callable->is(Kind::Global) || !args->is(Kind::Tuple))
    return inert();
  llvm::StringRef module = callable->text, name = callable->text2;
  auto &a = args->items;
  if (module == "collections" && name == "OrderedDict")
    return make(Kind::Dict);
  if (module == "torch._utils" &&
      (name == "_rebuild_parameter" || name == "_rebuild_parameter_with_state")) {
    if (a.empty() || !a[0]->is(Kind::Tensor))
      return fail("_rebuild_parameter without a tensor");
    return a[0];
  }
  if (module == "torch._utils" &&
      (name == "_rebuild_tensor_v2" || name == "_rebuild_tensor")) {
    if (a.size() < 4 || !a[0]->is(Kind::Storage) || !a[1]->is(Kind::Int) ||
        !a[2]->is(Kind::Tuple) || !a[3]->is(Kind::Tuple))
      return fail("malformed " + name + " arguments");
    PyRef tensor = make(Kind::Tensor);
    tensor->storage = a[0];
    tensor->offset = a[1]->integer;
    for (auto [list, out] : {std::pair(a[2], &tensor->shape),
                             std::pair(a[3], &tensor->stride)})
      for (const PyRef &v : list->items) {
        if (!v->is(Kind::Int))
          return fail("non-integer tensor size or stride");
        out->push_back(v->integer);
      }
    if (tensor->shape.size() != tensor->stride.size())
      return fail("tensor size and stride have different ranks");
    return tensor;
  }
  return inert();
}

llvm::Error Unpickler::step(uint8_t op, bool &stop) {
  auto pushString = [&](Kind kind, uint64_t n) -> llvm::Error {
    if (!need(n))
      return fail("string of " + llvm::Twine(n) + " bytes runs past the end");
    PyRef s = make(kind);
    s->text = bytes.substr(pos, n).str();
    pos += n;
    stack.push_back(std::move(s));
    return llvm::Error::success();
  };
  auto readLine = [&](std::string &out) -> bool {
    size_t nl = bytes.find('\n', pos);
    if (nl == llvm::StringRef::npos)
      return false;
    out = bytes.substr(pos, nl - pos).str();
    pos = nl + 1;
    return true;
  };

  switch (op) {
  case 0x80: // PROTO
    if (!need(1))
      return fail("truncated PROTO");
    if (uint8_t(bytes[pos++]) > 5)
      return fail("unsupported pickle protocol");
    return llvm::Error::success();
  case 0x95: // FRAME
    if (!need(8))
      return fail("truncated FRAME");
    pos += 8;
    return llvm::Error::success();
  case '.': // STOP
    stop = true;
    return llvm::Error::success();
  case '(': // MARK
    marks.push_back(stack.size());
    return llvm::Error::success();
  case '0': // POP
    return pop().takeError();
  case '1': // POP_MARK
    return popMark().takeError();
  case '2': { // DUP
    if (stack.empty())
      return fail("DUP on an empty stack");
    stack.push_back(stack.back());
    return llvm::Error::success();
  }
  case 'N':
    stack.push_back(make(Kind::None));
    return llvm::Error::success();
  case 0x88:
  case 0x89: {
    PyRef b = make(Kind::Bool);
    b->integer = op == 0x88;
    stack.push_back(std::move(b));
    return llvm::Error::success();
  }
  case 'J':
  case 'K':
  case 'M': { // BININT, BININT1, BININT2
    unsigned n = op == 'J' ? 4 : op == 'K' ? 1 : 2;
    if (!need(n))
      return fail("truncated integer");
    uint64_t v = readLE(n);
    stack.push_back(makeInt(op == 'J' ? int64_t(int32_t(v)) : int64_t(v)));
    return llvm::Error::success();
  }
  case 0x8a:
  case 0x8b: { // LONG1, LONG4
    unsigned lenBytes = op == 0x8a ? 1 : 4;
    if (!need(lenBytes))
      return fail("truncated LONG");
    uint64_t n = readLE(lenBytes);
    if (n > 8)
      return fail("integer of " + llvm::Twine(n) + " bytes is too large");
    if (!need(n))
      return fail("truncated LONG");
    uint64_t v = readLE(n);
    if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1)
      v |= ~uint64_t(0) << (8 * n); // sign-extend
    stack.push_back(makeInt(int64_t(v)));
    return llvm::Error::success();
  }
  case 'G': { // BINFLOAT, big-endian
    if (!need(8))
      return fail("truncated BINFLOAT");
    uint64_t bits = llvm::support::endian::read64be(bytes.data() + pos);
    pos += 8;
    PyRef f = make(Kind::Float);
    std::memcpy(&f->real, &bits, 8);
    stack.push_back(std::move(f));
    return llvm::Error::success();
  }
  case 'X':
  case 0x8c:
  case 0x8d:
  case 'T':
  case 'U':
  case 'B':
  case 'C':
  case 0x8e: { // unicode / byte strings with 1-, 4- or 8-byte lengths
    unsigned lenBytes = (op == 0x8c || op == 'U' || op == 'C') ? 1
                        : (op == 0x8d || op == 0x8e)           ? 8
                                                               : 4;
    if (!need(lenBytes))
      return fail("truncated string length");
    uint64_t n = readLE(lenBytes);
    bool isBytes = op == 'B' || op == 'C' || op == 0x8e;
    return pushString(isBytes ? Kind::Bytes : Kind::String, n);
  }
  case ')':
    stack.push_back(make(Kind::Tuple));
    return llvm::Error::success();
  case ']':
    stack.push_back(make(Kind::List));
    return llvm::Error::success();
  case '}':
    stack.push_back(make(Kind::Dict));
    return llvm::Error::success();
  case 0x8f:
    stack.push_back(make(Kind::Set));
    return llvm::Error::success();
  case 't':
  case 'l':
  case 'd':
  case 0x91: { // TUPLE, LIST, DICT, FROZENSET from the marked items
    auto items = popMark();
    if (!items)
      return items.takeError();
    Kind kind = op == 't' ? Kind::Tuple : op == 'l' ? Kind::List
                : op == 'd' ? Kind::Dict : Kind::Set;
    if (kind == Kind::Dict && items->size() % 2)
      return fail("DICT with an odd number of items");
    PyRef r = make(kind);
    r->items = std::move(*items);
    stack.push_back(std::move(r));
    return llvm::Error::success();
  }
  case 0x85:
  case 0x86:
  case 0x87: { // TUPLE1..3
    size_t n = op - 0x84;
    PyRef r = make(Kind::Tuple);
    r->items.resize(n);
    for (size_t i = n; i-- > 0;) {
      auto v = pop();
      if (!v)
        return v.takeError();
      r->items[i] = std::move(*v);
    }
    stack.push_back(std::move(r));
    return llvm::Error::success();
  }
  case 'a':
  case 'e':
  case 's':
  case 'u':
  case 0x90: { // APPEND, APPENDS, SETITEM, SETITEMS, ADDITEMS
    std::vector<PyRef> items;
    if (op == 'a' || op == 's') {
      for (int i = op == 's' ? 2 : 1; i > 0; --i) {
        auto v = pop();
        if (!v)
          return v.takeError();
        items.insert(items.begin(), std::move(*v));
      }
    } else {
      auto marked = popMark();
      if (!marked)
        return marked.takeError();
      items = std::move(*marked);
    }
    if (stack.empty())
      return fail("no container to add to");
    PyValue &target = *stack.back();
    bool isDictOp = op == 's' || op == 'u';
    if (isDictOp && (!target.is(Kind::Dict) || items.size() % 2))
      return fail("SETITEM(S) on something that is not a dict");
    if (!isDictOp && !(target.is(Kind::List) || target.is(Kind::Set)))
      return fail("APPEND(S) on something that is not a list");
    for (PyRef &item : items)
      target.items.push_back(std::move(item));
    return llvm::Error::success();
  }
  case 'c': { // GLOBAL "module\nname\n"
    PyRef g = make(Kind::Global);
    if (!readLine(g->text) || !readLine(g->text2))
      return fail("truncated GLOBAL");
    stack.push_back(std::move(g));
    return llvm::Error::success();
  }
  case 0x93: { // STACK_GLOBAL
    auto name = pop();
    if (!name)
      return name.takeError();
    auto module = pop();
    if (!module)
      return module.takeError();
    if (!(*module)->is(Kind::String) || !(*name)->is(Kind::String))
      return fail("STACK_GLOBAL needs two strings");
    PyRef g = make(Kind::Global);
    g->text = (*module)->text;
    g->text2 = (*name)->text;
    stack.push_back(std::move(g));
    return llvm::Error::success();
  }
  case 'R':
  case 0x81: { // REDUCE (callable, args) and NEWOBJ (cls, args)
    auto args = pop();
    if (!args)
      return args.takeError();
    auto callable = pop();
    if (!callable)
      return callable.takeError();
    auto result = op == 'R' ? reduce(*callable, *args) : llvm::Expected<PyRef>(nullptr);
    if (!result)
      return result.takeError();
    if (!*result) { // NEWOBJ: always an inert instance.
      *result = make(Kind::Object);
      (*result)->callable = *callable;
      (*result)->args = *args;
    }
    stack.push_back(std::move(*result));
    return llvm::Error::success();
  }
  case 0x92: { // NEWOBJ_EX (cls, args, kwargs)
    for (int i = 0; i < 2; ++i)
      if (auto v = pop(); !v)
        return v.takeError();
    auto cls = pop();
    if (!cls)
      return cls.takeError();
    PyRef object = make(Kind::Object);
    object->callable = *cls;
    stack.push_back(std::move(object));
    return llvm::Error::success();
  }
  case 'b': { // BUILD: only inert objects keep their state.
    auto state = pop();
    if (!state)
      return state.takeError();
    if (stack.empty())
      return fail("BUILD on an empty stack");
    if (stack.back()->is(Kind::Object))
      stack.back()->state = *state;
    return llvm::Error::success();
  }
  case 'Q': { // BINPERSID
    auto pid = pop();
    if (!pid)
      return pid.takeError();
    auto storage = persistentLoad(*pid);
    if (!storage)
      return storage.takeError();
    stack.push_back(std::move(*storage));
    return llvm::Error::success();
  }
  case 'q':
  case 'r':
  case 0x94: { // BINPUT, LONG_BINPUT, MEMOIZE
    uint64_t index;
    if (op == 0x94) {
      index = memo.size();
    } else {
      unsigned n = op == 'q' ? 1 : 4;
      if (!need(n))
        return fail("truncated PUT");
      index = readLE(n);
    }
    if (stack.empty() || (!marks.empty() && stack.size() == marks.back()))
      return fail("PUT with nothing to store");
    memo[index] = stack.back();
    return llvm::Error::success();
  }
  case 'h':
  case 'j': { // BINGET, LONG_BINGET
    unsigned n = op == 'h' ? 1 : 4;
    if (!need(n))
      return fail("truncated GET");
    uint64_t index = readLE(n);
    auto it = memo.find(index);
    if (it == memo.end())
      return fail("GET of unknown memo entry " + llvm::Twine(index));
    stack.push_back(it->second);
    return llvm::Error::success();
  }
  default:
  {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02x", op);
    return fail(llvm::Twine("unsupported pickle opcode ") + hex);
  }
  }
}

llvm::Expected<std::unique_ptr<Pickle>> Unpickler::run() {
  bool stop = false;
  while (!stop) {
    opStart = pos;
    if (pos >= bytes.size())
      return fail("the pickle ends without STOP");
    uint8_t op = uint8_t(bytes[pos++]);
    if (llvm::Error err = step(op, stop))
      return std::move(err);
  }
  if (stack.size() != 1 || !marks.empty())
    return fail("STOP with " + llvm::Twine(stack.size()) + " values on the stack");
  result->root = stack.back();
  return std::move(result);
}

} // namespace

llvm::Expected<std::unique_ptr<Pickle>> unpickle(llvm::StringRef where,
                                                 llvm::StringRef bytes) {
  return Unpickler(where, bytes).run();
}

} // namespace amae
