package api

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
)

// parsePages parses dir/layout.html and every other dir/*.html of fsys as
// a page on a clone of the layout, keyed by its name without ".html", and
// returns the layout's source too. A template that does not parse is a
// fault of the build, caught by any test, so it panics.
func parsePages(fsys fs.FS, dir string, funcs template.FuncMap) (map[string]*template.Template, []byte) {
	layout, err := fs.ReadFile(fsys, dir+"/layout.html")
	if err != nil {
		panic(err)
	}
	base := template.Must(template.New("layout").Funcs(funcs).Parse(string(layout)))
	names, err := fs.Glob(fsys, dir+"/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		short := strings.TrimSuffix(strings.TrimPrefix(name, dir+"/"), ".html")
		if short == "layout" {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(err)
		}
		pages[short] = template.Must(template.Must(base.Clone()).Parse(string(src)))
	}
	return pages, layout
}

// renderPage writes the page name of pages with status and the headers
// that setHeaders sets, or a plain 500 if the template fails: the page is
// rendered into a buffer first, so a template error never sends half a
// page. kind names the pages in the log.
func renderPage(c *gin.Context, log *zap.Logger, kind string, pages map[string]*template.Template, status int, name string, data any, setHeaders func(http.Header)) {
	t, ok := pages[name]
	if !ok {
		log.Error("no such "+kind+" template", zap.String("template", name))
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		log.Error("render "+kind+" page", zap.String("template", name), zap.String("path", routeOf(c)), zap.Error(err))
		c.Header("Content-Type", "text/plain; charset=utf-8")
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	setHeaders(h)
	c.Status(status)
	c.Writer.Write(buf.Bytes())
	c.Abort()
}
