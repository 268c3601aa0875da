/* xgb_load.h — XGBoost's C API (xgboost/c_api.h), loaded on first use.
 *
 * Only the xgboost algorithm calls XGBoost; libxgboost and its C++ runtime
 * took a quarter of the start of every `sagetty` command when they were
 * linked (see dynlib.h).  The algorithm's train and load call sg_xgb_load
 * first (predict, save and free work on a booster one of them made), then
 * call the library through the table:
 *     if (sg_xgb_load(err) != 0) return -1;
 *     sg_xgb.XGBoosterCreate(dm, n, &b);
 * Adding a function: name it in SG_XGB_FUNCS. */
#ifndef SG_XGB_LOAD_H
#define SG_XGB_LOAD_H

#include <xgboost/c_api.h>
#include "core/dynlib.h"

#define SG_XGB_FUNCS(X) \
	X(XGBGetLastError) \
	X(XGDMatrixCreateFromDense) X(XGDMatrixSetInfoFromInterface) X(XGDMatrixFree) \
	X(XGProxyDMatrixCreate) X(XGProxyDMatrixSetDataDense) \
	X(XGQuantileDMatrixCreateFromCallback) \
	X(XGBoosterCreate) X(XGBoosterFree) X(XGBoosterSetParam) X(XGBoosterUpdateOneIter) \
	X(XGBoosterEvalOneIter) X(XGBoosterSlice) X(XGBoosterPredictFromDense) \
	X(XGBoosterSaveModelToBuffer) X(XGBoosterLoadModelFromBuffer)

struct sg_xgb_api {
	SG_XGB_FUNCS(SG_DYNLIB_MEMBER)
};

/* Filled by the first successful sg_xgb_load; NULL pointers before. */
extern struct sg_xgb_api sg_xgb;

/* Loads libxgboost once (thread-safe); 0, or -1 with err naming the
 * library and its Debian package (the same error on every later call). */
int sg_xgb_load(struct sg_error *err);

#endif
