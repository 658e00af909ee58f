package web_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestZZDemo(t *testing.T) {
	t.Parallel()
	u := os.Getenv("DEMO_URL")
	if u == "" {
		t.Skip()
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	shot := func(name string) {
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
		must(err)
		os.WriteFile("/tmp/screens/"+name+".png", buf, 0o644)
	}
	must(chromedp.Do(ctx, chromedp.Navigate(u+"/login"), chromedp.SendKeys(chromedp.ID("name"), os.Getenv("DEMO_USER")), chromedp.SendKeys(chromedp.ID("password"), os.Getenv("DEMO_PW"))))
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("main button")))
	must(err)
	for _, p := range strings.Fields(os.Getenv("DEMO_PAGES")) {
		must(chromedp.Do(ctx, chromedp.Navigate(u+p)))
		shot(strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(p))
	}
}
