/*
 * alloc/profiler/html.c - the profiler's HTML dashboard: one self-contained
 * file (inline CSS, the report as inline JSON, inline script drawing SVG; no
 * network, works offline) with seven panels: memory timeline with the peak,
 * size heatmap, latency distribution, thread activity, cross-thread flow,
 * fragmentation gauge, recommendations.
 *
 * The script writes what it drew into <div id="status">: data-panels (panels
 * drawn with data), data-errors (errors caught, window.onerror included) and
 * one "name=count" per panel, so a headless browser's --dump-dom shows
 * whether the page worked.
 */
#include <errno.h>
#include <stdlib.h>

#include "profiler_internal.h"

static const char k_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
    "<title>ccmem memory profile</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\n"
    "header{background:#1d2330;color:#fff;padding:14px 22px}header h1{font-size:19px;margin:0 0 4px}\n"
    "header p{margin:0;color:#b8c0d0;font-size:12px}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;padding:14px 22px 0}\n"
    ".card{background:#fff;border-radius:6px;padding:8px 14px;box-shadow:0 1px 2px #0002;min-width:120px}\n"
    ".card b{display:block;font-size:17px}.card span{color:#667;font-size:11px;text-transform:uppercase}\n"
    "main{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px;padding:14px 22px}\n"
    "section{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002}\n"
    "section h2{font-size:15px;margin:2px 0 8px}svg text{font-size:11px;fill:#334}\n"
    ".note{color:#667;font-size:12px}ul.recs li{margin:6px 0}#status{padding:6px 22px;color:#667;font-size:11px}\n"
    "</style></head><body>\n"
    "<header><h1>ccmem memory profile</h1><p id=\"subtitle\"></p></header>\n"
    "<div class=\"cards\" id=\"cards\"></div>\n<main>\n"
    "<section><h2>1. Memory timeline</h2><div id=\"p-timeline\"></div></section>\n"
    "<section><h2>2. Allocation size heatmap</h2><div id=\"p-heatmap\"></div></section>\n"
    "<section><h2>3. Latency distribution</h2><div id=\"p-latency\"></div></section>\n"
    "<section><h2>4. Thread activity</h2><div id=\"p-threads\"></div></section>\n"
    "<section><h2>5. Cross-thread flow</h2><div id=\"p-flow\"></div></section>\n"
    "<section><h2>6. Fragmentation</h2><div id=\"p-frag\"></div></section>\n"
    "<section><h2>7. Recommendations</h2><div id=\"p-recs\"></div></section>\n"
    "</main>\n<div id=\"status\" data-panels=\"0\" data-errors=\"0\">status: script did not run</div>\n"
    "<script id=\"data\" type=\"application/json\">";

static const char k_script[] =
    "</script>\n<script>\n"
    "(function(){\n"
    "'use strict';\n"
    "var st={panels:0,errors:[],counts:{}};\n"
    "function writeStatus(){var e=document.getElementById('status');if(!e)return;"
    "e.setAttribute('data-panels',String(st.panels));e.setAttribute('data-errors',String(st.errors.length));"
    "var parts=['status: panels-drawn='+st.panels,'errors='+st.errors.length];"
    "for(var k in st.counts)parts.push(k+'='+st.counts[k]);"
    "if(st.errors.length)parts.push('first-error: '+st.errors[0]);e.textContent=parts.join(' ');}\n"
    "window.onerror=function(m,s,l){st.errors.push(String(m)+' line '+l);writeStatus();};\n"
    "window.addEventListener('unhandledrejection',function(ev){st.errors.push('rejection: '+ev.reason);writeStatus();});\n"
    "var D=JSON.parse(document.getElementById('data').textContent);\n"
    "var NS='http://www.w3.org/2000/svg';\n"
    "function E(t,a,p){var e=document.createElementNS(NS,t);for(var k in a)e.setAttribute(k,String(a[k]));if(p)p.appendChild(e);return e;}\n"
    "function T(p,x,y,s,a){var e=E('text',Object.assign({x:x,y:y},a||{}),p);e.textContent=s;return e;}\n"
    "function S(id,w,h){var c=document.getElementById(id);var s=E('svg',{viewBox:'0 0 '+w+' '+h,width:'100%','role':'img'});c.appendChild(s);return s;}\n"
    /* grows an SVG's view to its drawing's box, so that no label is clipped whatever the font's width */
    "function fit(s,W,H){try{var bb=s.getBBox(),l=Math.min(0,bb.x-4),r=Math.max(W,bb.x+bb.width+4);if(l<0||r>W)s.setAttribute('viewBox',l+' 0 '+(r-l)+' '+H);}catch(e){}}\n"
    "function note(id,s){var p=document.createElement('p');p.className='note';p.textContent=s;document.getElementById(id).appendChild(p);}\n"
    "function B(b){var u=['B','KiB','MiB','GiB','TiB'],i=0;b=Number(b)||0;while(b>=1024&&i<4){b/=1024;i++;}return (i?b.toFixed(1):b.toFixed(0))+' '+u[i];}\n"
    "function N(n){n=Number(n)||0;if(n>=1e9)return (n/1e9).toFixed(2)+'G';if(n>=1e6)return (n/1e6).toFixed(2)+'M';if(n>=1e4)return (n/1e3).toFixed(1)+'k';return String(Math.round(n*100)/100);}\n"
    "function panel(name,fn){try{var n=fn();st.counts[name]=n;if(n>0)st.panels++;}catch(e){st.errors.push(name+': '+(e&&e.message?e.message:e));st.counts[name]=0;}writeStatus();}\n"
    "function axes(s,x0,y0,x1,y1){E('line',{x1:x0,y1:y1,x2:x1,y2:y1,stroke:'#99a'},s);E('line',{x1:x0,y1:y0,x2:x0,y2:y1,stroke:'#99a'},s);}\n"
    /* header */
    "document.getElementById('subtitle').textContent='run of '+D.duration_seconds.toFixed(3)+' s from '+D.start_time+' to '+D.end_time+(D.running?' (snapshot of a running profiler)':'')+' - sample rate '+D.sample_rate;\n"
    "(function(){var c=document.getElementById('cards');[['allocations',N(D.alloc_count)],['frees',N(D.free_count)],['current',B(D.current_allocated)],['peak',B(D.peak_allocated)+' @ '+D.peak_time.toFixed(2)+'s'],['alloc rate',N(D.alloc_rate)+'/s'],['alloc p99',N(D.alloc_latency_p99)+' ns'],['cross-thread',D.cross_thread_free_pct.toFixed(1)+'%'],['leaks',N(D.leak_count)+' / '+B(D.leaked_bytes)]].forEach(function(x){var d=document.createElement('div');d.className='card';var s=document.createElement('span');s.textContent=x[0];var b=document.createElement('b');b.textContent=x[1];d.appendChild(s);d.appendChild(b);c.appendChild(d);});})();\n"
    /* 1 timeline */
    "panel('timeline',function(){var tl=D.timeline||[];if(tl.length<1){note('p-timeline','no timeline points');return 0;}\n"
    "var W=560,H=260,L=64,R=16,Tp=16,Bm=34,s=S('p-timeline',W,H);var tmax=Math.max(D.duration_seconds,tl[tl.length-1].t,1e-9);\n"
    "var ymax=Math.max(D.peak_allocated,1);tl.forEach(function(p){if(p.current>ymax)ymax=p.current;});\n"
    "function X(t){return L+(W-L-R)*t/tmax;}function Y(v){return H-Bm-(H-Bm-Tp)*v/ymax;}axes(s,L,Tp,W-R,H-Bm);\n"
    "for(var i=0;i<=4;i++){var v=ymax*i/4;T(s,L-4,Y(v)+4,B(v),{'text-anchor':'end'});E('line',{x1:L,x2:W-R,y1:Y(v),y2:Y(v),stroke:'#eef'},s);}\n"
    "T(s,L,H-8,'0 s');T(s,W-R,H-8,tmax.toFixed(2)+' s',{'text-anchor':'end'});\n"
    "var pts=tl.map(function(p){return X(p.t).toFixed(1)+','+Y(p.current).toFixed(1);});\n"
    "if(pts.length===1)pts.push(X(tmax).toFixed(1)+','+Y(tl[0].current).toFixed(1));\n"
    "E('polyline',{points:pts.join(' '),fill:'none',stroke:'#2a6fdb','stroke-width':2},s);\n"
    "var px=X(D.peak_time),py=Y(D.peak_allocated);E('circle',{cx:px,cy:py,r:5,fill:'#d33','data-role':'peak'},s);\n"
    "T(s,Math.min(px+8,W-150),Math.max(py-6,12),'peak '+B(D.peak_allocated)+' at '+D.peak_time.toFixed(2)+' s',{fill:'#d33'});\n"
    "return tl.length;});\n"
    /* 2 heatmap */
    "panel('heatmap',function(){var tl=D.timeline||[],h=D.size_histogram,labels=Object.keys(h.buckets);if(!labels.length){note('p-heatmap','no allocation sizes recorded (track_sizes off?)');return 0;}\n"
    "var rows=[];for(var b=0;b<46;b++){var any=false;for(var i=0;i<tl.length;i++)if(tl[i].size_counts[b]>0)any=true;if(any)rows.push(b);}\n"
    "var cols=[];if(tl.length>=2){for(var i=1;i<tl.length;i++)cols.push(rows.map(function(b){return tl[i].size_counts[b]-tl[i-1].size_counts[b];}));if(tl[0]){cols.unshift(rows.map(function(b){return tl[0].size_counts[b];}));}}\n"
    "if(!rows.length||!cols.length){rows=labels;cols=[labels.map(function(k){return h.buckets[k];})];}\n"
    "var names=rows.map(function(b){return typeof b==='number'?(b===0?'1-8':(Math.pow(2,b+2)+1)+'-'+Math.pow(2,b+3)):b;});\n"
    "var W=560,L=110,R=10,Tp=10,rh=Math.max(8,Math.min(22,200/names.length)),H=Tp+rh*names.length+30,s=S('p-heatmap',W,H),cw=(W-L-R)/cols.length;\n"
    "var mx=1;cols.forEach(function(c){c.forEach(function(v){if(v>mx)mx=v;});});var cells=0;\n"
    "cols.forEach(function(c,ci){c.forEach(function(v,ri){if(v<=0)return;cells++;var a=Math.log(1+v)/Math.log(1+mx);\n"
    "var r=E('rect',{x:L+ci*cw,y:Tp+ri*rh,width:Math.max(cw,1),height:rh-1,fill:'rgb('+Math.round(255-200*a)+','+Math.round(240-170*a)+','+Math.round(255-60*a)+')'},s);var ti=E('title',{},r);ti.textContent=names[ri]+' B: '+v+' allocations';});});\n"
    "names.forEach(function(n,ri){T(s,L-6,Tp+ri*rh+rh*0.7,n+' B',{'text-anchor':'end'});});T(s,L,H-8,'time ->  ('+cols.length+' intervals, colour = allocations, log scale)');\n"
    "return cells;});\n"
    /* 3 latency */
    "panel('latency',function(){var lh=D.latency_histogram||[];if(!lh.length){note('p-latency','no latency samples (track_latency off?)');return 0;}\n"
    "var W=560,H=270,L=56,R=16,Tp=34,Bm=40,s=S('p-latency',W,H);var lo=Infinity,hi=0,mx=1;\n"
    "lh.forEach(function(b){var m=Math.max((b[0]+b[1])/2,0.5);lo=Math.min(lo,m);hi=Math.max(hi,m);mx=Math.max(mx,b[2],b[3]);});\n"
    "var l0=Math.log10(lo)-0.1,l1=Math.log10(hi)+0.1;if(l1-l0<1)l1=l0+1;function X(v){return L+(W-L-R)*(Math.log10(Math.max(v,0.5))-l0)/(l1-l0);}\n"
    "function Y(c){return H-Bm-(H-Bm-Tp)*Math.log(1+c)/Math.log(1+mx);}axes(s,L,Tp,W-R,H-Bm);\n"
    "for(var d=Math.ceil(l0);d<=Math.floor(l1);d++){var x=X(Math.pow(10,d));E('line',{x1:x,x2:x,y1:Tp,y2:H-Bm,stroke:'#eef'},s);T(s,x,H-Bm+14,N(Math.pow(10,d))+' ns',{'text-anchor':'middle'});}\n"
    "var n=0;lh.forEach(function(b){var m=(b[0]+b[1])/2;[[2,'#2a6fdb',-2],[3,'#e08a1e',1]].forEach(function(q){if(b[q[0]]>0){n++;E('rect',{x:X(m)+q[2],y:Y(b[q[0]]),width:2.5,height:H-Bm-Y(b[q[0]]),fill:q[1]},s);}});});\n"
    "T(s,L+4,14,'alloc p50/p99/p99.9: '+N(D.alloc_latency_p50)+' / '+N(D.alloc_latency_p99)+' / '+N(D.alloc_latency_p999)+' ns',{fill:'#2a6fdb'});\n"
    "T(s,L+4,Tp+4,'free p50/p99/p99.9: '+N(D.free_latency_p50)+' / '+N(D.free_latency_p99)+' / '+N(D.free_latency_p999)+' ns',{fill:'#e08a1e'});\n"
    "T(s,L,H-6,'count (log scale) per latency bucket; relative error <= '+(100*D.latency_relative_error).toFixed(2)+'%');return n;});\n"
    /* 4 threads */
    "panel('threads',function(){var ts=D.thread_stats;if(!ts||!ts.length){note('p-threads','per-thread figures off (track_per_thread = false); '+D.thread_count+' thread(s) took part');return 0;}\n"
    "function lab(t){return (t.thread_name||'thread')+' ('+t.thread_id+')';}function val(t){return N(t.alloc_count)+' / '+N(t.free_count)+'  x:'+N(t.cross_thread_frees_sent)+'>'+' <'+N(t.cross_thread_frees_received);}\n"
    "var wl=0,wv=0;ts.forEach(function(t){wl=Math.max(wl,lab(t).length);wv=Math.max(wv,val(t).length);});\n"
    "var rh=26,L=Math.max(80,Math.ceil(wl*6.6)+12),V=Math.ceil(wv*6.6)+10,W=Math.max(560,L+200+V),H=20+rh*ts.length+24,s=S('p-threads',W,H),mx=1;ts.forEach(function(t){mx=Math.max(mx,t.alloc_count,t.free_count);});\n"
    "var n=0;ts.forEach(function(t,i){var y=10+i*rh;T(s,L-6,y+15,lab(t),{'text-anchor':'end'});\n"
    "var wa=(W-L-V)*t.alloc_count/mx,wf=(W-L-V)*t.free_count/mx;E('rect',{x:L,y:y,width:Math.max(wa,1),height:10,fill:'#2a6fdb'},s);E('rect',{x:L,y:y+11,width:Math.max(wf,1),height:10,fill:'#e08a1e'},s);\n"
    "T(s,L+Math.max(wa,wf)+4,y+15,val(t));if(t.alloc_count||t.free_count)n++;});\n"
    "T(s,L,H-6,'blue: allocations, orange: frees; x: cross-thread frees sent > / < received');fit(s,W,H);return n;});\n"
    /* 5 flow (Sankey) */
    "panel('flow',function(){var F=D.cross_thread_flow||[],k=F.length,names={};(D.thread_stats||[]).forEach(function(t){names[t.index]=(t.thread_name||'thread')+' '+t.thread_id;});\n"
    "function nm(i){return names[i]||('thread #'+i);}var links=[],tot=0;for(var i=0;i<k;i++)for(var j=0;j<k;j++)if(F[i][j]>0){links.push([j,i,F[i][j]]);tot+=F[i][j];}\n"
    "if(!links.length){note('p-flow','no cross-thread frees seen');return 0;}\n"
    "var src={},dst={};links.forEach(function(l){src[l[0]]=(src[l[0]]||0)+l[2];dst[l[1]]=(dst[l[1]]||0)+l[2];});\n"
    /* the label columns are as wide as their longest label (11px text, ~6.6px a character), so none is clipped */
    "var ls={},ld={},wl=0,wr=0;Object.keys(src).forEach(function(key){ls[key]=nm(key)+' ('+N(src[key])+')';wl=Math.max(wl,ls[key].length);});\n"
    "Object.keys(dst).forEach(function(key){ld[key]=nm(key)+' ('+N(dst[key])+')';wr=Math.max(wr,ld[key].length);});\n"
    "var nw=12,gap=8,x0=Math.max(80,Math.ceil(wl*6.6)+12),x1=x0+nw+260,W=x1+nw+Math.max(70,Math.ceil(wr*6.6)+12),H=Math.max(160,40+30*Math.max(Object.keys(src).length,Object.keys(dst).length)),s=S('p-flow',W,H);\n"
    "function place(m){var ks=Object.keys(m),avail=H-40-gap*(ks.length-1),y=20,pos={};ks.forEach(function(key){var h=Math.max(3,avail*m[key]/tot);pos[key]={y:y,h:h,off:0};y+=h+gap;});return pos;}\n"
    "var ps=place(src),pd=place(dst);\n"
    "links.forEach(function(l){var a=ps[l[0]],b=pd[l[1]],w=Math.max(1,(H-40)*l[2]/tot*0.95),ya=a.y+a.off+w/2,yb=b.y+b.off+w/2;a.off+=w;b.off+=w;\n"
    "var p=E('path',{d:'M'+(x0+nw)+','+ya+' C'+((x0+x1)/2)+','+ya+' '+((x0+x1)/2)+','+yb+' '+x1+','+yb,fill:'none',stroke:'#2a6fdb','stroke-opacity':0.45,'stroke-width':w},s);var t=E('title',{},p);t.textContent=nm(l[0])+' -> '+nm(l[1])+': '+l[2]+' frees';});\n"
    "Object.keys(ps).forEach(function(key){var a=ps[key];E('rect',{x:x0,y:a.y,width:nw,height:a.h,fill:'#1d2330'},s);T(s,x0-6,a.y+a.h/2+4,ls[key],{'text-anchor':'end'});});\n"
    "Object.keys(pd).forEach(function(key){var b=pd[key];E('rect',{x:x1,y:b.y,width:nw,height:b.h,fill:'#e08a1e'},s);T(s,x1+nw+6,b.y+b.h/2+4,ld[key]);});\n"
    "T(s,x0,12,'allocated on');T(s,x1+nw,12,'freed on',{'text-anchor':'end'});\n"
    "fit(s,W,H);return links.length;});\n"
    /* 6 fragmentation gauges */
    "panel('fragmentation',function(){var f=D.fragmentation,W=560,H=200,s=S('p-frag',W,H),n=0;\n"
    "function gauge(cx,label,v,sub){var r=70,cy=120;function pt(a){return [cx+r*Math.cos(Math.PI*(1-a)),cy-r*Math.sin(Math.PI*(1-a))];}\n"
    "var a0=pt(0),a1=pt(1);E('path',{d:'M'+a0[0]+','+a0[1]+' A'+r+','+r+' 0 0 1 '+a1[0]+','+a1[1],fill:'none',stroke:'#e3e6ee','stroke-width':18},s);\n"
    "var vv=Math.max(0,Math.min(1,v)),e=pt(vv),col=vv<0.15?'#2e9d4a':vv<0.35?'#e0b01e':'#d33';if(vv>0.001)E('path',{d:'M'+a0[0]+','+a0[1]+' A'+r+','+r+' 0 0 1 '+e[0]+','+e[1],fill:'none',stroke:col,'stroke-width':18,'data-role':'gauge'},s);\n"
    "T(s,cx,cy-8,(100*v).toFixed(1)+'%',{'text-anchor':'middle','font-size':20});T(s,cx,cy+22,label,{'text-anchor':'middle'});T(s,cx,cy+38,sub,{'text-anchor':'middle',fill:'#667'});n++;}\n"
    "gauge(140,'internal (padding)',f.internal_fragmentation,'requested vs usable');\n"
    "gauge(420,'external ('+f.source+')',f.external_fragmentation,'utilization '+(100*f.utilization).toFixed(1)+'% of '+B(f.committed_bytes));\n"
    "T(s,W/2,H-4,'free block slots: '+N(f.free_block_count)+', largest free block: '+B(f.largest_free_block),{'text-anchor':'middle'});return n;});\n"
    /* 7 recommendations */
    "panel('recommendations',function(){var r=D.recommendations||[],ul=document.createElement('ul');ul.className='recs';r.forEach(function(x){var li=document.createElement('li');li.textContent=x;ul.appendChild(li);});document.getElementById('p-recs').appendChild(ul);\n"
    "var hs=(D.size_histogram.hot_sizes||[]).map(function(h){return h[0]+' B: '+N(h[1]);}).join(', ');if(hs)note('p-recs','Hot sizes: '+hs);return r.length;});\n"
    "writeStatus();\n"
    "})();\n"
    "</script>\n</body></html>\n";

void cc__prof_html(cc__sb_t *b, const cc_profiler_report_t *r)
{
	cc__sb_putn(b, k_head, sizeof k_head - 1);
	cc__prof_json(b, r); /* <, > and & are escaped inside strings: safe in a script element */
	cc__sb_putn(b, k_script, sizeof k_script - 1);
}

int cc_profiler_report_to_html(const cc_profiler_report_t *r, const char *path)
{
	if (r == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	cc__sb_t b = {0};
	cc__prof_html(&b, r);
	if (b.failed) {
		free(b.s);
		errno = ENOMEM;
		return -1;
	}
	int rc = cc__prof_write_file(path, b.s, b.len);
	int e = errno;
	free(b.s);
	errno = e;
	return rc;
}
