// The filter registry and --vf chains: every built-in filter is found by name and alias, bad
// chains are errors that say what is wrong, and the chain runner writes into the caller's frame.
#include <gtest/gtest.h>

#include "caldera/filter.hpp"
#include "caldera/ops/geometry.hpp"
#include "caldera/ops/resize.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::random_image;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(FilterRegistry, BuiltinFiltersRegisterOnceEach) {
  const FilterRegistry& r = FilterRegistry::builtin();
  ASSERT_TRUE(r.init_status()) << r.init_status().to_string();
  for (const char* name : {"resize", "scale", "convert", "format", "crop", "flip", "pad", "letterbox", "sr"})
    EXPECT_NE(r.find(name), nullptr) << name;
  EXPECT_EQ(r.find("resize"), r.find("scale"));
  EXPECT_EQ(r.find("nosuch"), nullptr);
  EXPECT_TRUE(contains(r.help(), "resize=w=W:h=H"));
  EXPECT_TRUE(contains(r.known_names(), "letterbox"));
}

TEST(FilterRegistry, AddingANameTwiceIsAnError) {
  FilterRegistry r;
  auto make = [](const FilterOptions&) -> Result<std::unique_ptr<Filter>> { return unsupported("unused"); };
  ASSERT_TRUE(r.add({"a", {"b"}, "", "a", make}));
  EXPECT_FALSE(r.add({"b", {}, "", "b", make}));
  EXPECT_FALSE(r.add({"c", {"a"}, "", "c", make}));
  EXPECT_FALSE(r.add({"", {}, "", "", make}));
}

TEST(FilterChain, ParsesOptionsAndMainValues) {
  auto chain = parse_filter_chain("resize=w=64:h=-1:interp=bicubic,flip=v,convert=nv12:matrix=bt601,crop=w=8:h=4:x=2");
  ASSERT_TRUE(chain) << chain.status().to_string();
  ASSERT_EQ(chain->filters.size(), 4u);
  EXPECT_EQ(chain->filters[0]->describe(), "resize 64xauto bicubic");
  EXPECT_EQ(chain->filters[1]->describe(), "flip vertical");
  EXPECT_EQ(chain->filters[2]->describe(), "convert to nv12");
  EXPECT_TRUE(chain->filters[3]->is_view());
}

TEST(FilterChain, BadChainsNameTheProblem) {
  struct Case { const char* text; const char* says; };
  for (const Case& c : {Case{"blur=3", "unknown filter 'blur'"}, Case{"resize=w=10,,flip", "filter 2 is empty"},
                        Case{"flip=h,", "filter 2 is empty"}, Case{"resize=w=10:w=20", "'w' is given twice"},
                        Case{"resize=10", "needs the form key=value"}, Case{"resize=w=10:q=1", "unknown option 'q'"},
                        Case{"resize=w=ten", "is not an integer"}, Case{"flip=diagonal", "mode='diagonal'"},
                        Case{"convert", "needs format=NAME"}, Case{"resize=w=0", "must be positive"},
                        Case{"resize", "cannot both be -1"}, Case{"sr", "needs model=NAME"}}) {
    auto chain = parse_filter_chain(c.text);
    ASSERT_FALSE(chain) << c.text;
    EXPECT_TRUE(contains(chain.status().message(), c.says)) << c.text << ": " << chain.status().message();
  }
}

TEST(FilterChain, ResizeKeepsAspectOnTheFormatsGrid) {
  auto chain = parse_filter_chain("resize=w=101:h=-1");
  ASSERT_TRUE(chain);
  auto d = chain->filters[0]->plan({400, 300, PixelFormat::NV12});
  ASSERT_TRUE(d) << d.status().to_string();
  EXPECT_EQ(d->width, 101);
  EXPECT_EQ(d->height, 76);  // 75.75 rounded to the 2-row chroma grid
}

TEST(ChainRunner, LastFilterWritesIntoTheDestination) {
  Context cpu;
  auto chain = parse_filter_chain("flip=h,resize=w=20:h=10:interp=bilinear");
  ASSERT_TRUE(chain);
  Image src = random_image(41, 39, PixelFormat::RGB24, 3);
  ChainRunner runner(*chain, cpu);
  ASSERT_TRUE(runner.prepare(src.desc(), MemoryKind::Host));
  ASSERT_EQ(runner.output_desc().width, 20);
  Image got = Image::create(runner.output_desc(), MemoryKind::Host).value();
  ASSERT_TRUE(runner.run(src.view(), got.view()));

  // The same two steps by hand.
  Image flipped = Image::create(src.desc(), MemoryKind::Host).value();
  ASSERT_TRUE(flip_reference(src.view(), flipped.view(), FlipMode::Horizontal));
  Image want = Image::create(runner.output_desc(), MemoryKind::Host).value();
  ASSERT_TRUE(resize_reference(flipped.view(), want.view(), ResizeParams{Interp::Bilinear}));
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), 0);

  // A destination of another size is refused, not overrun.
  Image wrong = Image::create({21, 10, PixelFormat::RGB24}, MemoryKind::Host).value();
  EXPECT_FALSE(runner.run(src.view(), wrong.view()));
}

TEST(ChainRunner, ViewOnlyAndEmptyChainsCopyIntoTheDestination) {
  Context cpu;
  Image src = random_image(16, 12, PixelFormat::I420, 5);
  for (const char* text : {"", "crop=w=8:h=6:x=4:y=2"}) {
    FilterChain chain;
    if (*text) chain = std::move(parse_filter_chain(text).value());
    ChainRunner runner(chain, cpu);
    ASSERT_TRUE(runner.prepare(src.desc(), MemoryKind::Host));
    Image got = Image::create(runner.output_desc(), MemoryKind::Host).value();
    ASSERT_TRUE(runner.run(src.view(), got.view())) << text;
    ConstImageView want = *text ? src.cview().sub_view({4, 2, 8, 6}).value() : src.cview();
    EXPECT_IMAGES_CLOSE(got.view(), want, 0);
  }
}

}  // namespace
}  // namespace caldera
