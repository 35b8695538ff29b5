import express from 'express'
import type { Response, Router } from 'express'
import { AVATAR_SIZES, avatarSvg, defaultAvatarSvg, findUser, findUserByAvatarId } from './users.js'

/**
 * The test users' avatars, served by the mock itself so nothing external loads: `/mmopen/<id>/<size>`
 * stands in for thirdwx.qlogo.cn (what /sns/userinfo's headimgurl points at), and `/avatar/<user>.svg`
 * plus `/avatar/default.svg` serve the consent page.
 */
export function createAvatarRouter(): Router {
  const router = express.Router()

  router.get('/mmopen/:id/:size', (req, res) => {
    const user = findUserByAvatarId(req.params.id)
    const size = AVATAR_SIZES.find((candidate) => candidate === req.params.size)
    if (!user || size === undefined) return notFound(res)
    // WeChat: the last path segment is the size; 0 is the full 640x640 picture.
    return sendSvg(res, avatarSvg(user, size === '0' ? 640 : Number(size)))
  })

  router.get('/avatar/:file', (req, res) => {
    if (req.params.file === 'default.svg') return sendSvg(res, defaultAvatarSvg())
    const match = /^(.+)\.svg$/.exec(req.params.file)
    const user = match ? findUser(match[1]) : undefined
    if (!user || user.color === null) return notFound(res)
    return sendSvg(res, avatarSvg(user))
  })

  return router
}

function sendSvg(res: Response, svg: string): void {
  res.type('image/svg+xml').set('Cache-Control', 'public, max-age=3600').send(svg)
}

function notFound(res: Response): void {
  res.status(404).type('text/plain').send('not found')
}
