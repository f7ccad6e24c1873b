// The HDR and grading filters: registered, options parsed and checked, output descriptions planned
// (formats, colour descriptions, HDR10 metadata), and a chain run end to end on the CPU.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <unistd.h>

#include "caldera/filter.hpp"
#include "caldera/ops/tonemap.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(HdrFilters, Registered) {
  const FilterRegistry& r = FilterRegistry::builtin();
  ASSERT_TRUE(r.init_status()) << r.init_status().to_string();
  for (const char* name : {"transfer", "setcolor", "tag", "gamut", "tonemap", "itonemap", "inverse_tonemap", "lut3d",
                           "adjust", "eq"})
    EXPECT_NE(r.find(name), nullptr) << name;
  EXPECT_TRUE(contains(r.help(), "tonemap=[bt2390|hable"));
}

TEST(HdrFilters, ToneMapChainPlansSdrOutput) {
  auto chain = parse_filter_chain("setcolor=hdr10:maxcll=4000:master_max=4000,tonemap=hable:peak=100");
  ASSERT_TRUE(chain) << chain.status().to_string();
  ImageDesc d{64, 32, PixelFormat::P010};
  for (auto& f : chain->filters) {
    auto next = f->plan(d);
    ASSERT_TRUE(next) << next.status().to_string();
    d = *next;
  }
  EXPECT_EQ(d.format, PixelFormat::NV12);  // 10-bit YUV becomes 8-bit for SDR
  EXPECT_EQ(d.color.transfer, Transfer::BT1886);
  EXPECT_EQ(d.color.primaries, Primaries::BT709);
  EXPECT_EQ(d.color.matrix, Matrix::BT709);
  EXPECT_TRUE(d.color.hdr.empty());
}

TEST(HdrFilters, SetColorDeclaresHdr10Metadata) {
  auto chain = parse_filter_chain("setcolor=hdr10:maxcll=1000:maxfall=300:master_max=1000:master_min=0.005");
  ASSERT_TRUE(chain);
  auto d = chain->filters[0]->plan({16, 16, PixelFormat::P010});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->color.transfer, Transfer::PQ);
  ASSERT_TRUE(d->color.hdr.content_light && d->color.hdr.mastering);
  EXPECT_EQ(d->color.hdr.content_light->max_cll, 1000);
  EXPECT_EQ(d->color.hdr.content_light->max_fall, 300);
  EXPECT_EQ(d->color.hdr.mastering->min_luminance, 0.005);
  EXPECT_EQ(d->color.hdr.mastering->red_x, 0.708);
  EXPECT_TRUE(chain->filters[0]->is_view());
}

TEST(HdrFilters, InverseAndTransferAndGamutPlan) {
  auto chain = parse_filter_chain("itonemap,transfer=hlg,gamut=p3:mapping=desaturate");
  ASSERT_TRUE(chain) << chain.status().to_string();
  ImageDesc d{64, 32, PixelFormat::NV12};
  for (auto& f : chain->filters) {
    auto next = f->plan(d);
    ASSERT_TRUE(next) << next.status().to_string();
    d = *next;
  }
  EXPECT_EQ(d.format, PixelFormat::P010);
  EXPECT_EQ(d.color.transfer, Transfer::HLG);
  EXPECT_EQ(d.color.primaries, Primaries::DisplayP3);
  EXPECT_EQ(d.color.matrix, Matrix::BT709);  // P3 goes with the BT.709 matrix
  ASSERT_TRUE(d.color.hdr.mastering);
  EXPECT_EQ(d.color.hdr.mastering->max_luminance, 1000);
}

TEST(HdrFilters, BadOptionsNameTheProblem) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {Case{"tonemap=aces", "unknown tone curve 'aces'"}, Case{"tonemap=hable:param=0.5", "param is for reinhard"},
                        Case{"tonemap=mobius:param=0.9", "knee"}, Case{"tonemap=peak=5", "target_peak"},
                        Case{"tonemap=gamut=hue", "unknown gamut mapping"}, Case{"tonemap=detect=maybe", "not a boolean"},
                        Case{"transfer", "needs t="}, Case{"transfer=pq:sdr_white=-3", "sdr_white"},
                        Case{"gamut", "needs p="}, Case{"gamut=bt2021", "unknown primaries"},
                        Case{"itonemap=t=bt1886", "t must be pq or hlg"}, Case{"setcolor=hdr11", "preset='hdr11'"},
                        Case{"setcolor=maxcll=-1", "maxcll"}, Case{"lut3d", "needs file="},
                        Case{"lut3d=/nonexistent.cube", "cannot open"}, Case{"adjust=gamma=0", "gamma"},
                        Case{"eq=contrast=x", "not a number"}}) {
    auto chain = parse_filter_chain(c.text);
    ASSERT_FALSE(chain) << c.text;
    EXPECT_TRUE(contains(chain.status().message(), c.says)) << c.text << ": " << chain.status().message();
  }
}

TEST(HdrFilters, MalformedCubeFailsWhenTheChainIsParsed) {
  const std::string path = ::testing::TempDir() + "caldera_bad_filter_" + std::to_string(::getpid()) + ".cube";
  {
    std::ofstream f(path);
    f << "TITLE \"x\"\nLUT_3D_SIZE 2\n0 0 0\n1 0\n";
  }
  auto chain = parse_filter_chain("lut3d=" + path);
  ASSERT_FALSE(chain);
  EXPECT_TRUE(contains(chain.status().message(), "line 4: expected 3 numbers")) << chain.status().message();
}

TEST(HdrFilters, ChainRunsOnTheCpu) {
  const std::string cube = ::testing::TempDir() + "caldera_warm_" + std::to_string(::getpid()) + ".cube";
  {
    std::ofstream f(cube);
    f << "LUT_3D_SIZE 2\n";
    for (int b = 0; b < 2; ++b)
      for (int g = 0; g < 2; ++g)
        for (int r = 0; r < 2; ++r) f << std::min(1.0, r * 1.05) << " " << g << " " << b * 0.9 << "\n";
  }
  Context cpu;
  auto chain = parse_filter_chain("setcolor=hdr10,tonemap=bt2390:detect=1,lut3d=" + cube + ",eq=saturation=1.1");
  ASSERT_TRUE(chain) << chain.status().to_string();
  Image src = testing::random_image(41, 39, PixelFormat::P010, 4);
  ChainRunner runner(*chain, cpu);
  ASSERT_TRUE(runner.prepare(src.desc(), MemoryKind::Host));
  ASSERT_EQ(runner.output_desc().format, PixelFormat::NV12);
  Image out = Image::create(runner.output_desc(), MemoryKind::Host).value();
  for (int frame = 0; frame < 3; ++frame) ASSERT_TRUE(runner.run(src.view(), out.view()));
}

}  // namespace
}  // namespace caldera
