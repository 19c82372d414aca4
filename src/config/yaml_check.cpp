// Walks a strata.yaml document and the schema side by side (see yaml_check.h).
#include "config/yaml_check.h"

#include <cmath>

#include "common/error.h"
#include "config/schema.h"

namespace strata::config {

namespace {

struct Walker {
  const std::string& file;

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& what) const {
    const int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    throw Error(ExitCode::usage, file + ":" + std::to_string(line) + ": " + key + ": " + what);
  }

  void mapping(const YAML::Node& n, const std::string& pattern, const std::string& shown) const {
    if (!n.IsMap()) fail(n, shown.empty() ? "(top level)" : shown, "must be a mapping");
    for (const auto& kv : n) {
      const std::string name = kv.first.Scalar();
      const std::string child_shown = shown.empty() ? name : shown + "." + name;
      const std::string exact = pattern.empty() ? name : pattern + "." + name;
      const KeySpec* spec = find_key(exact);
      if (!spec) spec = find_key(pattern + ".*");
      if (!spec) {
        std::string known;
        for (const auto& c : child_names(pattern)) known += (known.empty() ? "" : ", ") + c;
        fail(kv.first, child_shown, "unknown key (known here: " + known + ")");
      }
      value(kv.second, *spec, child_shown);
    }
  }

  void value(const YAML::Node& n, const KeySpec& spec, const std::string& shown) const {
    switch (spec.type) {
      case ValueType::reserved:
        return;
      case ValueType::mapping:
      case ValueType::named_mapping:
        return mapping(n, spec.path, shown);
      case ValueType::list_of_mapping:
        if (!n.IsSequence()) fail(n, shown, "must be a list");
        for (size_t i = 0; i < n.size(); ++i) mapping(n[i], spec.path + "[]", shown + "[" + std::to_string(i) + "]");
        return;
      case ValueType::list_of_text:
        if (!n.IsSequence()) fail(n, shown, "must be a list of names");
        for (size_t i = 0; i < n.size(); ++i)
          if (!n[i].IsScalar()) fail(n[i], shown + "[" + std::to_string(i) + "]", "must be a string");
        return;
      default:
        return scalar(n, spec, shown);
    }
  }

  void scalar(const YAML::Node& n, const KeySpec& spec, const std::string& shown) const {
    if (!n.IsScalar()) fail(n, shown, "must be a single value, not a list or mapping");
    const std::string& text = n.Scalar();
    auto refuse_if = [&](const auto& result) {
      if (!result) fail(n, shown, std::string(result.error().what()).substr(shown.size() + 2));
    };
    if (spec.type == ValueType::whole) refuse_if(try_parse_whole(text, shown, spec.whole_range));
    if (spec.type == ValueType::duration) refuse_if(try_parse_duration(text, shown, spec.duration_range));
    if (spec.type == ValueType::amount) amount(n, shown);
    if (spec.type == ValueType::boolean) {
      try {
        n.as<bool>();
      } catch (const YAML::Exception&) {
        fail(n, shown, "must be true or false, got '" + text + "'");
      }
    }
  }

  void amount(const YAML::Node& n, const std::string& shown) const {
    double v = -1;
    try {
      v = n.as<double>();
    } catch (const YAML::Exception&) {
    }
    if (!std::isfinite(v) || v < 0 || v > 1e9) fail(n, shown, "must be a number from 0 to 1000000000, got '" + n.Scalar() + "'");
  }
};

}  // namespace

void check_against_schema(const YAML::Node& root, const std::string& file) {
  if (root.IsNull()) return;
  Walker{file}.mapping(root, "", "");
}

}  // namespace strata::config
